/**
 * What must outlive every code deployment: the state table, the accounts' secrets and, with `nat` egress, the
 * fixed egress IP that exchange API keys are restricted to. Termination protection is on and all of them are
 * retained if the stack is deleted anyway. The trading stack only references them, so redeploying or even
 * destroying it never touches the data, and the address can be allowlisted before anything trades.
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnEIP } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { type AccountConfig, secretNameOf } from '../../shared/domain/config/deployment.js';
import { AccountSecrets } from '../constructs/account-secrets.js';
import { StateTable } from '../constructs/state-table.js';

export interface StatefulStackProps extends StackProps {
  readonly accounts: readonly AccountConfig[];
  /** Logins besides the accounts' keys (proxies of the pool, the mail server): see `loginSecretsOf`. */
  readonly logins?: readonly { readonly name: string; readonly secretName: string }[];
  readonly createSecrets: boolean;
  /** Create the fixed egress IP (`nat` egress). */
  readonly egressIp: boolean;
}

export class StatefulStack extends Stack {
  readonly state: StateTable;
  readonly secrets: AccountSecrets;
  readonly egressIp?: CfnEIP;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    this.state = new StateTable(this, 'State');
    this.secrets = new AccountSecrets(this, 'Secrets', {
      accounts: props.accounts,
      ...(props.logins ? { logins: props.logins } : {}),
      create: props.createSecrets,
    });
    if (props.egressIp) {
      this.egressIp = new CfnEIP(this, 'EgressIp', { domain: 'vpc' });
      this.egressIp.applyRemovalPolicy(RemovalPolicy.RETAIN);
      new CfnOutput(this, 'EgressIpAddress', {
        value: this.egressIp.attrPublicIp,
        description: 'Fixed egress IP: add it to the exchange API key IP allowlist',
      });
    }
    new CfnOutput(this, 'TableName', { value: this.state.table.tableName });
    new CfnOutput(this, 'SecretNames', {
      value: props.accounts.map((a) => `${a.id}=${secretNameOf(a)}`).join(' '),
      description: 'Put each account\'s API keys here: {"apiKey":"...","secret":"..."}',
    });
  }
}
