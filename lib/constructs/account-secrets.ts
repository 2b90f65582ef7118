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
  /**
   * Logins besides the accounts' (`name` as the Secrets port asks for it, e.g. `proxy/px2` or `smtp`, and
   * its secret name), each `{"username","password"}`: created with a placeholder like the accounts' or
   * referenced by name.
   */
  readonly logins?: readonly { readonly name: string; readonly secretName: string }[];
  readonly create: boolean;
}

export class AccountSecrets extends Construct {
  private readonly byAccount = new Map<string, ISecret>();
  private readonly byLogin = new Map<string, ISecret>();

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
    for (const login of props.logins ?? []) {
      const id = `Login-${login.name.replace(/[^A-Za-z0-9]/g, '-')}`;
      const secret = props.create
        ? new Secret(this, id, {
            secretName: login.secretName,
            description: `gridbot login "${login.name}": {"username","password"}`,
            generateSecretString: {
              secretStringTemplate: JSON.stringify({ username: SECRET_PLACEHOLDER_API_KEY }),
              generateStringKey: 'password',
              excludePunctuation: true,
              passwordLength: 32,
            },
            removalPolicy: RemovalPolicy.RETAIN,
          })
        : Secret.fromSecretNameV2(this, id, login.secretName);
      if (secret instanceof Secret)
        Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: NAG_REASONS.secretRotation });
      this.byLogin.set(login.name, secret);
    }
  }

  /**
   * The login secrets the trading processes may read besides keys (proxies, the mail server); not the
   * Telegram bot's, which only the Telegram function reads.
   */
  logins(): ISecret[] {
    return [...this.byLogin].filter(([name]) => name !== 'telegram').map(([, secret]) => secret);
  }

  /** One login's secret (`telegram`, `smtp`, `proxy/<id>`), if the deployment has it. */
  login(name: string): ISecret | undefined {
    return this.byLogin.get(name);
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
