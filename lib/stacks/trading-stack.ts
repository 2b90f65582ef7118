/**
 * Everything that runs and watches: alert topic, scheduler plumbing (group, role, dead-letter queue), one
 * config layer and four functions per traded account (and a second-pass queue for an account with a
 * 30-second recon), the network and the stream worker. Schedules, alarms
 * and dashboards live in InstancesStack chunks, which keeps every stack well under CloudFormation's
 * 500-resource limit at 100 instances.
 */
import { join } from 'node:path';
import { type CfnElement, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { legsOf } from '../../shared/domain/strategies/index.js';
import { REPO_ROOT } from '../bundling/lambda-bundling.js';
import {
  type DeploymentInput,
  sliceForAccount,
  tradedAccounts,
  venueOf,
} from '../config/deployment-input.js';
import type { InfraOptions } from '../config/infra-options.js';
import type { AccountSecrets } from '../constructs/account-secrets.js';
import { Alerting } from '../constructs/alerting.js';
import { ConfigLayer } from '../constructs/config-layer.js';
import { Network } from '../constructs/network.js';
import { ScheduledFunction } from '../constructs/scheduled-function.js';
import { SecondPassQueue } from '../constructs/second-pass-queue.js';
import { StreamWorkerService } from '../constructs/stream-worker-service.js';
import { TelegramWebhook } from '../constructs/telegram-webhook.js';
import { WorkerCapacity } from '../constructs/worker-capacity.js';
import { NAG_REASONS } from '../nag-reasons.js';
import {
  ALARM_METRICS,
  FUNCTION_ROLES,
  type FunctionRole,
  functionEntry,
  WORKER_CAPACITY_ENTRY,
} from '../runtime-contract.js';

export interface TradingStackProps extends StackProps {
  readonly input: DeploymentInput;
  readonly options: InfraOptions;
  readonly logRetention: RetentionDays;
  readonly table: ITableV2;
  readonly secrets: AccountSecrets;
  /** Allocation id of the fixed egress IP (stateful stack), with `nat` egress. */
  readonly egressIpAllocationId?: string | undefined;
  /** Entry files by role (tests use fixtures); default functions/<role>/handler.ts. */
  readonly entries?: Partial<Record<FunctionRole, string>> | undefined;
  /** Entry of the Telegram webhook (tests use a fixture); default functions/telegram/handler.ts. */
  readonly telegramEntry?: string | undefined;
  /** Entry of the worker capacity function (tests use a fixture); default `WORKER_CAPACITY_ENTRY`. */
  readonly workerCapacityEntry?: string | undefined;
  /** Docker build context and Dockerfile of the stream worker (tests use a fixture). */
  readonly worker?: { readonly buildContext: string; readonly dockerfile: string } | undefined;
}

export class TradingStack extends Stack {
  readonly alerting: Alerting;
  readonly deadLetterQueue: Queue;
  readonly scheduleGroup: ScheduleGroup;
  readonly schedulerRole: Role;
  readonly network: Network;
  readonly worker: StreamWorkerService;
  /** The Spot worker's on-demand fallback, with `workerSpot`. */
  readonly workerCapacity?: WorkerCapacity;
  /** The Telegram function, when the deployment has `telegram:`. */
  readonly telegram?: TelegramWebhook;
  /** Functions by account id, then role. */
  readonly functions = new Map<string, Map<FunctionRole, IFunction>>();
  /** The delayed second recon pass's queue, by account id (accounts with a 30-second recon only). */
  readonly secondPassQueues = new Map<string, IQueue>();

  constructor(scope: Construct, id: string, props: TradingStackProps) {
    super(scope, id, props);
    const { config } = props.input;
    const name = props.options.name;

    this.alerting = new Alerting(this, 'Alerts', { name, email: config.alert_email });
    this.deadLetterQueue = new Queue(this, 'SchedulerDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: NAG_REASONS.deadLetterQueue,
    });
    this.scheduleGroup = new ScheduleGroup(this, 'Schedules', { scheduleGroupName: name });
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: `${name}: EventBridge Scheduler invokes the scheduled functions`,
    });
    this.deadLetterQueue.grantSendMessages(this.schedulerRole);

    this.network = new Network(this, 'Network', {
      egress: props.options.egress,
      logRetention: props.logRetention,
      egressIpAllocationId: props.egressIpAllocationId,
    });
    const placement =
      props.options.egress === 'nat'
        ? {
            vpc: this.network.vpc,
            subnets: this.network.workloadSubnets,
            securityGroup: this.network.securityGroup,
          }
        : undefined;

    for (const account of tradedAccounts(config)) {
      const layer = new ConfigLayer(this, `Config-${account.id}`, {
        accountId: account.id,
        config: sliceForAccount(props.input, account.id),
      });
      // Every instance with a leg on this account: only their items are this account's functions' to touch,
      // and the accounts their legs trade on are the only secrets they may read.
      const served = config.instances.filter((i) => legsOf(i).some((l) => l.account === account.id));
      const legAccounts = [...new Set(served.flatMap((i) => legsOf(i).map((l) => l.account)))];
      const roles = new Map<FunctionRole, IFunction>();
      for (const role of FUNCTION_ROLES) {
        const fn = new ScheduledFunction(this, `${role}-${account.id}`, {
          deploymentName: name,
          metrics: props.options.dashboards ? 'all' : ALARM_METRICS.join(','),
          role,
          accountId: account.id,
          instanceIds: served.map((i) => i.id),
          venue: venueOf(config, account.id),
          entry: props.entries?.[role] ?? join(REPO_ROOT, functionEntry(role)),
          configLayer: layer.layer,
          table: props.table,
          secrets: [
            props.secrets.of(account.id),
            ...legAccounts.filter((a) => a !== account.id).map((a) => props.secrets.of(a)),
            // Proxy logins (its accounts' traffic goes through them) and the mail server's (`report`).
            ...props.secrets.logins(),
          ],
          topic: this.alerting.topic,
          logRetention: props.logRetention,
          network: placement,
        }).fn;
        if (role !== 'admin') {
          fn.grantInvoke(this.schedulerRole);
          const logicalId = this.getLogicalId(fn.node.defaultChild as CfnElement);
          Validations.of(this.schedulerRole).acknowledge({
            id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
            reason: NAG_REASONS.invokeVersions,
          });
        }
        roles.set(role, fn);
      }
      this.functions.set(account.id, roles);
      if (served.some((i) => i.recon_interval_sec === 30)) {
        const delayed = new SecondPassQueue(this, `SecondPass-${account.id}`, {
          recon: roles.get('recon')!,
          deadLetterQueue: this.deadLetterQueue,
        });
        delayed.queue.grantSendMessages(this.schedulerRole);
        this.secondPassQueues.set(account.id, delayed.queue);
      }
      new CfnOutput(this, `AdminFunction-${account.id}`, {
        value: roles.get('admin')!.functionName,
        description: `Admin commands for account ${account.id}: aws lambda invoke --function-name <this> ...`,
      });
    }

    this.worker = new StreamWorkerService(this, 'StreamWorker', {
      network: this.network,
      table: props.table,
      tableScope: {
        accounts: tradedAccounts(config).map((a) => a.id),
        instances: config.instances.map((i) => i.id),
      },
      secrets: [...tradedAccounts(config).map((a) => props.secrets.of(a.id)), ...props.secrets.logins()],
      topic: this.alerting.topic,
      config: props.input.raw,
      logRetention: props.logRetention,
      spot: props.options.workerSpot,
      containerInsights: props.options.containerInsights,
      metrics: props.options.dashboards ? 'all' : ALARM_METRICS.join(','),
      ...(props.worker ?? {}),
    });

    if (props.options.workerSpot)
      this.workerCapacity = new WorkerCapacity(this, 'WorkerCapacity', {
        service: this.worker.service,
        topic: this.alerting.topic,
        deadLetterQueue: this.deadLetterQueue,
        entry: props.workerCapacityEntry ?? join(REPO_ROOT, WORKER_CAPACITY_ENTRY),
        logRetention: props.logRetention,
      });

    new CfnOutput(this, 'AlertTopicArn', { value: this.alerting.topic.topicArn });

    // Telegram: alerts from the topic, and commands forwarded to each instance's account's admin function.
    const telegramSecret = props.secrets.login('telegram');
    if (config.telegram && telegramSecret) {
      const adminFunctions = new Map<string, IFunction>();
      for (const inst of config.instances) {
        const account = legsOf(inst)[0]?.account;
        const admin = account ? this.functions.get(account)?.get('admin') : undefined;
        if (admin) adminFunctions.set(inst.id, admin);
      }
      this.telegram = new TelegramWebhook(this, 'Telegram', {
        deploymentName: name,
        topic: this.alerting.topic,
        batchSeconds: config.telegram.batch_seconds,
        commands: config.telegram.commands,
        entry: props.telegramEntry ?? join(REPO_ROOT, 'functions/telegram/handler.ts'),
        configLayer: new ConfigLayer(this, 'Config-telegram', {
          accountId: 'telegram',
          config: props.input.raw,
        }).layer,
        secret: telegramSecret,
        adminFunctions,
        logRetention: props.logRetention,
      });
    }

    // Status reports over SES: the sender's identity (SES e-mails it a verification link once), and the
    // right to send from it for the worker (scheduled reports) and the admin functions (`report`).
    const email = config.reports?.email;
    if (email?.transport === 'ses') {
      const sender = new EmailIdentity(this, 'ReportSender', { identity: Identity.email(email.from) });
      sender.grantSendEmail(this.worker.taskRole);
      for (const roles of this.functions.values()) {
        const admin = roles.get('admin');
        if (admin?.role) sender.grantSendEmail(admin.role);
      }
      new CfnOutput(this, 'ReportSenderIdentity', {
        value: email.from,
        description:
          'Status reports are sent from this address: open the link SES e-mails it to verify it (and, while the account is in the SES sandbox, verify each recipient too)',
      });
    }
  }
}
