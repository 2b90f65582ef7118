/**
 * Where humans hear about trouble: one SNS topic per deployment (alarms and the runtime's notifier publish
 * here), encrypted with a customer-managed key that CloudWatch alarms may use (they cannot publish to a topic
 * under the AWS-managed SNS key), SSL-only, and an e-mail subscription when the config names an address.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertingProps {
  readonly name: string;
  readonly email?: string | undefined;
}

export class Alerting extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `${props.name} alert topic encryption`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', {
      displayName: `${props.name} alerts`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // Fills told as alerts (`telegram.alerts.fills`) are for the phone, not the mailbox.
    if (props.email)
      this.topic.addSubscription(
        new EmailSubscription(props.email, {
          filterPolicy: { code: SubscriptionFilter.stringFilter({ denylist: ['fill'] }) },
        }),
      );
  }
}
