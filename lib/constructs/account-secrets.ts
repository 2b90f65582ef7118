/**
 * One Secrets Manager secret per exchange account, named by `secretNameOf` (default `gridbot/<account>`),
 * holding `{"apiKey","secret","password"?}`. Created with a placeholder (`apiKey` = `REPLACE_ME`, random
 * `secret`) that an operator overwrites with `aws secretsmanager put-secret-value`, or referenced by name
 * when the secret already exists. Created secrets are retained when the stack goes away.
 *
 * CloudFormation sets the generated value only on creation; never change `generateSecretString` below, or
 * an update would replace the operator's keys with a new placeholder.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { type AccountConfig, secretNameOf } from '../../shared/domain/config/deployment.js';
import { NAG_REASONS } from '../nag-reasons.js';

export const SECRET_PLACEHOLDER_API_KEY = 'REPLACE_ME';

export interface AccountSecretsProps {
  readonly accounts: readonly AccountConfig[];
  readonly create: boolean;
}

export class AccountSecrets extends Construct {
  private readonly byAccount = new Map<string, ISecret>();

  constructor(scope: Construct, id: string, props: AccountSecretsProps) {
    super(scope, id);
    for (const account of props.accounts) {
      const secretName = secretNameOf(account);
      const secret = props.create
        ? new Secret(this, account.id, {
            secretName,
            description: `gridbot ${account.exchange} API keys of account "${account.id}": {"apiKey","secret","password"?}`,
            generateSecretString: {
              secretStringTemplate: JSON.stringify({ apiKey: SECRET_PLACEHOLDER_API_KEY }),
              generateStringKey: 'secret',
              excludePunctuation: true,
              passwordLength: 32,
            },
            removalPolicy: RemovalPolicy.RETAIN,
          })
        : Secret.fromSecretNameV2(this, account.id, secretName);
      if (secret instanceof Secret) {
        Validations.of(secret).acknowledge({
          id: 'AwsSolutions-SMG4',
          reason: NAG_REASONS.secretRotation,
        });
      }
      this.byAccount.set(account.id, secret);
    }
  }

  of(accountId: string): ISecret {
    const secret = this.byAccount.get(accountId);
    if (!secret) throw new Error(`no secret for account "${accountId}"`);
    return secret;
  }

  all(): ISecret[] {
    return [...this.byAccount.values()];
  }
}
