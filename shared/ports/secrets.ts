/**
 * API credentials of one account. `toJSON` and `inspect` redact, so an accidental log line or error
 * serialization never prints a key.
 */
export class Credentials {
  readonly #apiKey: string;
  readonly #secret: string;
  readonly #password: string | undefined;
  constructor(apiKey: string, secret: string, password?: string) {
    this.#apiKey = apiKey;
    this.#secret = secret;
    this.#password = password;
  }
  get apiKey(): string {
    return this.#apiKey;
  }
  get secret(): string {
    return this.#secret;
  }
  get password(): string | undefined {
    return this.#password;
  }
  /** Every string that must never appear in output (for redaction and log scanning). */
  secretValues(): string[] {
    return [this.#apiKey, this.#secret, ...(this.#password ? [this.#password] : [])].filter(
      (s) => s.length >= 4,
    );
  }
  toJSON(): string {
    return '[credentials redacted]';
  }
  toString(): string {
    return '[credentials redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[credentials redacted]';
  }
}

/** A login (`username`, `password`) of a proxy or a mail server: redacted like credentials whenever printed. */
export class Login {
  readonly #username: string;
  readonly #password: string;
  constructor(username: string, password: string) {
    this.#username = username;
    this.#password = password;
  }
  get username(): string {
    return this.#username;
  }
  get password(): string {
    return this.#password;
  }
  secretValues(): string[] {
    return [this.#username, this.#password].filter((s) => s.length >= 4);
  }
  toJSON(): string {
    return '[proxy credentials redacted]';
  }
  toString(): string {
    return '[proxy credentials redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[proxy credentials redacted]';
  }
}

export interface Secrets {
  credentials(accountId: string): Promise<Credentials>;
  /**
   * A login other than an account's, by name: `proxy/<id>` for a proxy of the pool that asks for one
   * (`proxies[].auth`), `smtp` for the mail server of the status reports.
   */
  login(name: string): Promise<Login>;
}
