/**
 * What must outlive every code deployment: the state table and the accounts' secrets. Termination protection
 * is on and both are retained if the stack is deleted anyway. The trading stack only references them, so
 * redeploying or even destroying it never touches the data.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type AccountConfig, secretNameOf } from '../../shared/domain/config/deployment.js';
import { AccountSecrets } from '../constructs/account-secrets.js';
import { StateTable } from '../constructs/state-table.js';

export interface StatefulStackProps extends StackProps {
  readonly accounts: readonly AccountConfig[];
  readonly createSecrets: boolean;
}

export class StatefulStack extends Stack {
  readonly state: StateTable;
  readonly secrets: AccountSecrets;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    this.state = new StateTable(this, 'State');
    this.secrets = new AccountSecrets(this, 'Secrets', {
      accounts: props.accounts,
      create: props.createSecrets,
    });
    new CfnOutput(this, 'TableName', { value: this.state.table.tableName });
    new CfnOutput(this, 'SecretNames', {
      value: props.accounts.map((a) => `${a.id}=${secretNameOf(a)}`).join(' '),
      description: 'Put each account\'s API keys here: {"apiKey":"...","secret":"..."}',
    });
  }
}
