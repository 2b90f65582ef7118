/**
 * The Secrets port on AWS Secrets Manager, read through Powertools Parameters (`SecretsProvider`) with a
 * long cache: one GetSecretValue per account per `maxAgeSeconds` (default 1 h) per process, and concurrent
 * first reads share one call. Each account's secret is `secretNameOf(account)` (`gridbot/<account id>`
 * unless the config names another) and holds `{"apiKey","secret","password"?}`.
 *
 * Nothing talks to AWS until the first `credentials()` call: the client is made then, so importing or
 * constructing this needs no credentials. Errors are `SecretsError`s naming the account and the secret,
 * never its content.
 */

import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { type AccountConfig, secretNameOf } from '../../domain/config/deployment.js';
import { type ProxyConfig, proxySecretNameOf } from '../../domain/config/proxies.js';
import type { Credentials, Login, Secrets } from '../../ports/secrets.js';
import { credentialsFromJsonText, loginFromJsonText, SecretsError } from './credentials-record.js';

export const DEFAULT_SECRET_MAX_AGE_SECONDS = 3600;

export interface SecretsManagerSecretsOptions {
  /** The deployment's accounts: the secret name of each comes from its config. */
  readonly accounts: readonly AccountConfig[];
  /** The proxies of the pool (`secret_name`, default `gridbot/proxy/<id>`, holds `{"username","password"}`). */
  readonly proxies?: readonly ProxyConfig[];
  /** e.g. `http://127.0.0.1:4566` for a local server; omit in AWS. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Extra client settings (credentials, retries). Ignored when `client` is given. */
  readonly clientConfig?: SecretsManagerClientConfig;
  /** A client of your own; otherwise one is made on first use from the options above. */
  readonly client?: SecretsManagerClient;
  /** How long a fetched secret is reused; default one hour. */
  readonly maxAgeSeconds?: number;
}

export class SecretsManagerSecrets implements Secrets {
  readonly #names: ReadonlyMap<string, string>;
  readonly #options: SecretsManagerSecretsOptions;
  readonly #maxAge: number;
  readonly #inFlight = new Map<string, Promise<string>>();
  #provider: SecretsProvider | undefined;

  constructor(options: SecretsManagerSecretsOptions) {
    this.#options = options;
    this.#names = new Map(options.accounts.map((a) => [a.id, secretNameOf(a)]));
    this.#maxAge = options.maxAgeSeconds ?? DEFAULT_SECRET_MAX_AGE_SECONDS;
    if (!(this.#maxAge >= 0)) throw new RangeError('maxAgeSeconds must be zero or more');
  }

  /** The secret name used for an account (for messages and IAM policies). */
  secretName(accountId: string): string | undefined {
    return this.#names.get(accountId);
  }

  async credentials(accountId: string): Promise<Credentials> {
    const name = this.#names.get(accountId);
    if (name === undefined) {
      throw new SecretsError(
        'unknown_account',
        accountId,
        `account ${accountId} is not in the deployment config, so it has no secret; add it under accounts`,
      );
    }
    const text = await this.#fetch(name, accountId, false);
    return credentialsFromJsonText(text, accountId, `secret "${name}"`);
  }

  /** A login's secret: `gridbot/<name>` (a proxy's may be named in its config), `{"username","password"}`. */
  async login(login: string): Promise<Login> {
    const proxy = this.#options.proxies?.find((x) => `proxy/${x.id}` === login);
    const name = proxy ? proxySecretNameOf(proxy) : `gridbot/${login}`;
    const text = await this.#fetch(name, login, false);
    return loginFromJsonText(text, login, `secret "${name}"`);
  }

  /** Re-reads an account's secret now (after a key rotation or an authentication error). */
  async refresh(accountId: string): Promise<Credentials> {
    const name = this.#names.get(accountId);
    if (name === undefined) return this.credentials(accountId);
    const text = await this.#fetch(name, accountId, true);
    return credentialsFromJsonText(text, accountId, `secret "${name}"`);
  }

  #fetch(name: string, accountId: string, forceFetch: boolean): Promise<string> {
    const running = this.#inFlight.get(name);
    if (running && !forceFetch) return running;
    const call = this.#read(name, accountId, forceFetch).finally(() => {
      if (this.#inFlight.get(name) === call) this.#inFlight.delete(name);
    });
    this.#inFlight.set(name, call);
    return call;
  }

  async #read(name: string, accountId: string, forceFetch: boolean): Promise<string> {
    let value: unknown;
    try {
      value = await this.#secretsProvider().get(name, {
        maxAge: this.#maxAge,
        forceFetch,
        throwOnMissing: true,
      });
    } catch (e) {
      throw readError(e, name, accountId);
    }
    if (typeof value === 'string') return value;
    if (value instanceof Uint8Array) return new TextDecoder('utf-8').decode(value);
    throw new SecretsError('not_found', accountId, `secret "${name}" for account ${accountId} has no value`);
  }

  #secretsProvider(): SecretsProvider {
    if (this.#provider === undefined) {
      const o = this.#options;
      const client =
        o.client ??
        new SecretsManagerClient({
          ...o.clientConfig,
          ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
          ...(o.region === undefined ? {} : { region: o.region }),
        });
      this.#provider = new SecretsProvider({ awsSdkV3Client: client });
    }
    return this.#provider;
  }
}

function readError(e: unknown, name: string, accountId: string): SecretsError {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  const code = cause instanceof Error ? cause.name : 'Error';
  const where = `secret "${name}" for account ${accountId}`;
  if (e instanceof Error && e.name === 'ParameterNotFoundError') {
    return new SecretsError('not_found', accountId, `${where} does not exist; create it in Secrets Manager`, {
      cause: e,
    });
  }
  if (code === 'AccessDeniedException' || code === 'DecryptionFailure') {
    return new SecretsError(
      'denied',
      accountId,
      `${where} cannot be read (${code}); check the role's grant`,
      {
        cause: e,
      },
    );
  }
  return new SecretsError('unavailable', accountId, `${where} could not be read (${code}); retry later`, {
    cause: e,
  });
}
