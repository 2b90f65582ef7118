/**
 * The Secrets port for local runs: each account's keys come from environment variables, or from a `.env`
 * file when the environment lacks them (the environment wins). For account `bin-main`:
 *
 *   GRIDBOT_BIN_MAIN_API_KEY, GRIDBOT_BIN_MAIN_SECRET, GRIDBOT_BIN_MAIN_PASSWORD (OKX only)
 *
 * (account id upper-cased, `-` → `_`). The file is read once, on first use; a missing file is fine.
 * Values are never logged or quoted in errors; errors name the variables to set.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Credentials, Login, type Secrets } from '../../ports/secrets.js';
import { credentialsFromRecord, SecretsError } from './credentials-record.js';
import { parseDotenv } from './dotenv.js';

export interface EnvSecretsOptions {
  /** Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Path of the `.env` file (relative to the working directory); default `.env`; `false` for none. */
  readonly envFile?: string | false;
  /** Variable prefix; default `GRIDBOT`. */
  readonly prefix?: string;
}

export interface CredentialVariables {
  readonly apiKey: string;
  readonly secret: string;
  readonly password: string;
}

/** The variable names holding an account's keys. */
export function credentialVariables(accountId: string, prefix = 'GRIDBOT'): CredentialVariables {
  const stem = `${prefix}_${accountId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  return { apiKey: `${stem}_API_KEY`, secret: `${stem}_SECRET`, password: `${stem}_PASSWORD` };
}

/** The variable names holding a login (`proxy/tokyo-1` → `GRIDBOT_PROXY_TOKYO_1_USERNAME`, `_PASSWORD`). */
export function loginVariables(name: string, prefix = 'GRIDBOT'): { username: string; password: string } {
  const stem = `${prefix}_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  return { username: `${stem}_USERNAME`, password: `${stem}_PASSWORD` };
}

export class EnvSecrets implements Secrets {
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #file: string | undefined;
  readonly #prefix: string;
  #fileValues: Map<string, string> | undefined;

  constructor(options: EnvSecretsOptions = {}) {
    this.#env = options.env ?? process.env;
    this.#file = options.envFile === false ? undefined : resolve(options.envFile ?? '.env');
    this.#prefix = options.prefix ?? 'GRIDBOT';
  }

  async credentials(accountId: string): Promise<Credentials> {
    const names = credentialVariables(accountId, this.#prefix);
    const apiKey = this.#lookup(names.apiKey);
    const secret = this.#lookup(names.secret);
    const password = this.#lookup(names.password);
    if (apiKey === undefined && secret === undefined) {
      const where = this.#file ? ` or in ${this.#file}` : '';
      throw new SecretsError(
        'not_found',
        accountId,
        `no credentials for account ${accountId}: set ${names.apiKey} and ${names.secret}` +
          ` (and ${names.password} for OKX) in the environment${where}`,
      );
    }
    const missing = [
      apiKey === undefined ? names.apiKey : '',
      secret === undefined ? names.secret : '',
    ].filter((n) => n !== '');
    if (missing.length > 0) {
      throw new SecretsError(
        'not_found',
        accountId,
        `incomplete credentials for account ${accountId}: ${missing.join(' and ')} not set`,
      );
    }
    const record = {
      apiKey,
      secret,
      ...(password === undefined || password === '' ? {} : { password }),
    };
    return credentialsFromRecord(record, accountId, `variables ${names.apiKey} / ${names.secret}`);
  }

  /** A login from `GRIDBOT_<NAME>_USERNAME` and `GRIDBOT_<NAME>_PASSWORD` (e.g. `GRIDBOT_PROXY_P1_…`). */
  async login(name: string): Promise<Login> {
    // The Telegram bot's login reads better under its own names: the bot token and the webhook secret.
    const names =
      name === 'telegram'
        ? { username: `${this.#prefix}_TELEGRAM_TOKEN`, password: `${this.#prefix}_TELEGRAM_WEBHOOK_SECRET` }
        : loginVariables(name, this.#prefix);
    const username = this.#lookup(names.username);
    const password = this.#lookup(names.password);
    if (username === undefined || password === undefined)
      throw new SecretsError(
        'not_found',
        name,
        `no login for ${name}: set ${names.username} and ${names.password}`,
      );
    return new Login(username, password);
  }

  #lookup(name: string): string | undefined {
    const fromEnv = this.#env[name];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    return this.#dotenv().get(name);
  }

  #dotenv(): Map<string, string> {
    if (this.#fileValues === undefined) {
      this.#fileValues = new Map();
      if (this.#file !== undefined) {
        let text: string | undefined;
        try {
          text = readFileSync(this.#file, 'utf8');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
        if (text !== undefined) this.#fileValues = parseDotenv(text, this.#file);
      }
    }
    return this.#fileValues;
  }
}
