/**
 * Schedules, alarms and a dashboard for a chunk of instances (at most `instancesPerStack`, default 40): at
 * ~7 resources and ~10 widgets per instance a chunk stays far below CloudFormation's 500 resources per stack
 * and CloudWatch's 500 widgets per dashboard. The first chunk's dashboard (named after the deployment) also
 * carries the platform section and alarms (stream worker, heartbeats, dead letters, Lambda errors), so a
 * deployment of up to 40 instances has exactly one dashboard.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { InstanceConfig } from '../../shared/domain/config/deployment.js';
import { legsOf } from '../../shared/domain/strategies/index.js';
import { addInstanceMonitoring } from '../constructs/instance-monitoring.js';
import { InstanceSchedules } from '../constructs/instance-schedules.js';
import { monitoringFacade } from '../constructs/monitoring.js';
import { addPlatformMonitoring, type PlatformMonitoringProps } from '../constructs/platform-monitoring.js';
import type { FunctionRole } from '../runtime-contract.js';

export interface InstancesStackProps extends StackProps {
  readonly deploymentName: string;
  readonly dashboardName: string;
  readonly instances: readonly InstanceConfig[];
  readonly functions: ReadonlyMap<string, ReadonlyMap<FunctionRole, IFunction>>;
  readonly scheduleGroup: IScheduleGroup;
  readonly schedulerRole: IRole;
  readonly deadLetterQueue: IQueue;
  /** The delayed second recon pass's queue, by account id (accounts with a 30-second recon only). */
  readonly secondPassQueues: ReadonlyMap<string, IQueue>;
  readonly topic: ITopic;
  /** CloudWatch dashboards (`dashboards` option). */
  readonly dashboard: boolean;
  /** Only on the first chunk. */
  readonly platform?: PlatformMonitoringProps | undefined;
}

export class InstancesStack extends Stack {
  constructor(scope: Construct, id: string, props: InstancesStackProps) {
    super(scope, id, props);
    const facade = monitoringFacade(this, 'Monitoring', {
      alarmNamePrefix: props.deploymentName,
      dashboardName: props.dashboardName,
      topic: props.topic,
      dashboard: props.dashboard,
    });
    if (props.platform) addPlatformMonitoring(facade, props.platform);
    if (props.instances.length > 0) facade.addLargeHeader('Instances');
    for (const instance of props.instances) {
      // An instance's jobs run in the functions of its first leg's account (they may read every leg's account).
      const account = legsOf(instance)[0]!.account;
      const fns = props.functions.get(account);
      if (!fns) throw new Error(`instance ${instance.id}: no functions for account ${account}`);
      new InstanceSchedules(this, instance.id, {
        instance,
        functions: { recon: fns.get('recon')!, recompute: fns.get('recompute')!, risk: fns.get('risk')! },
        group: props.scheduleGroup,
        role: props.schedulerRole,
        deadLetterQueue: props.deadLetterQueue,
        secondPassQueue: props.secondPassQueues.get(account),
      });
      addInstanceMonitoring(facade, instance);
    }
  }
}
