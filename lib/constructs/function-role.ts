/**
 * What every gridbot Lambda starts from: a log group of its own (the configured retention, removed with
 * the stack) and a role that may write to it and nothing else yet; each construct then grants what its
 * function does.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface FunctionRoleProps {
  readonly logRetention: RetentionDays;
  /** The role's description: whose it is and what it may do. */
  readonly description: string;
  /** Construct ids of the log group and the role (default `Logs`, `Role`). */
  readonly ids?: { readonly logs: string; readonly role: string };
}

export function functionLogsAndRole(
  scope: Construct,
  props: FunctionRoleProps,
): { logGroup: LogGroup; role: Role } {
  const ids = props.ids ?? { logs: 'Logs', role: 'Role' };
  const logGroup = new LogGroup(scope, ids.logs, {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new Role(scope, ids.role, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: props.description,
  });
  logGroup.grantWrite(role);
  return { logGroup, role };
}
