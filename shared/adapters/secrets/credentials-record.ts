/**
 * The shape every credential source must have, `{"apiKey","secret","password"?}`, and the error every
 * source throws. Errors name the secret (or variable) and the field at fault, never a value: a zod or
 * JSON.parse message can quote its input, so neither is passed on.
 */
import { z } from 'zod';
import { Credentials, Login } from '../../ports/secrets.js';

export type SecretsErrorReason =
  /** The account is not in the deployment config this adapter was given. */
  | 'unknown_account'
  /** The secret or the variables do not exist. */
  | 'not_found'
  /** Present but not `{"apiKey","secret","password"?}`. */
  | 'malformed'
  /** We may not read it (IAM, KMS). */
  | 'denied'
  /** The service could not be reached or failed; retry later. */
  | 'unavailable'
  /** Still the placeholder `cdk deploy` created: the keys were never put in. */
  | 'placeholder';

export class SecretsError extends Error {
  override readonly name = 'SecretsError';
  constructor(
    readonly reason: SecretsErrorReason,
    readonly accountId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return this.reason === 'unavailable';
  }
}

/** What the CDK stateful stack writes into a new account secret (lib/constructs/account-secrets.ts). */
export const PLACEHOLDER_API_KEY = 'REPLACE_ME';

const field = z
  .string()
  .min(1)
  .refine((s) => s.trim() === s, { message: 'whitespace' });

export const credentialsRecordSchema = z.object({
  apiKey: field,
  secret: field,
  password: field.optional(),
});

/**
 * Credentials from a parsed record. `source` names where it came from (`secret "gridbot/a"`); problems
 * are listed per field ("field apiKey is missing") without the field's value.
 */
export function credentialsFromRecord(record: unknown, accountId: string, source: string): Credentials {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw malformed(accountId, source, 'it is not a JSON object with apiKey, secret and optional password');
  }
  const parsed = credentialsRecordSchema.safeParse(record);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.map(String).join('.') || 'value';
      const given = (record as Record<string, unknown>)[name];
      if (given === undefined) return `field ${name} is missing`;
      if (typeof given !== 'string') return `field ${name} must be a string`;
      if (given.length === 0) return `field ${name} is empty`;
      return `field ${name} has leading or trailing whitespace`;
    });
    throw malformed(accountId, source, problems.join('; '));
  }
  const { apiKey, secret, password } = parsed.data;
  if (apiKey === PLACEHOLDER_API_KEY) {
    throw new SecretsError(
      'placeholder',
      accountId,
      `${source} for account ${accountId} still holds the placeholder written by cdk deploy: put the account's ` +
        'API key and secret into it (README, "Deploy"), then restart the stream worker.',
    );
  }
  return new Credentials(apiKey, secret, password);
}

/** Parses the secret's text as JSON without ever quoting it. */
export function credentialsFromJsonText(text: string, accountId: string, source: string): Credentials {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    throw malformed(accountId, source, 'it is not valid JSON');
  }
  return credentialsFromRecord(record, accountId, source);
}

function malformed(accountId: string, source: string, problem: string): SecretsError {
  return new SecretsError(
    'malformed',
    accountId,
    `${source} for account ${accountId} is malformed: ${problem}. ` +
      'Store a JSON object with string fields apiKey, secret and (OKX only) password.',
  );
}

/** A login from its secret's text, `{"username","password"}`, never quoting it. */
export function loginFromJsonText(text: string, name: string, source: string): Login {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    record = null;
  }
  const r = z.object({ username: field, password: field }).safeParse(record);
  if (!r.success)
    throw new SecretsError(
      'malformed',
      name,
      `${source} for ${name} is malformed: it must be a JSON object with "username" and "password"`,
    );
  return new Login(r.data.username, r.data.password);
}
