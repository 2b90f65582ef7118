import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretsError, SecretsManagerSecrets } from '../../../shared/adapters/secrets/index.js';
import { accountSchema } from '../../../shared/domain/config/deployment.js';
import { findLeaks } from '../../support/aws/leak-scan.js';
import { LOCAL_AWS_CREDENTIALS } from '../../support/aws/local-http-server.js';
import {
  type LocalSecretsManager,
  startLocalSecretsManager,
} from '../../support/aws/secrets-manager-server.js';

const accounts = [
  accountSchema.parse({ id: 'main', exchange: 'binanceusdm' }),
  accountSchema.parse({ id: 'okx-b', exchange: 'okx', secret_name: 'prod/okx/b' }),
];

const MAIN = { apiKey: 'mainApiKey0123456789', secret: 'mainSecret/abc+def=ghi' };
const OKX = { apiKey: 'okxKey-aaaa-bbbb', secret: 'okxSecretValue99', password: 'Pass phrase!' };

describe('Secrets Manager secrets (real SDK + Powertools against a local Secrets Manager)', () => {
  let sm: LocalSecretsManager;

  beforeAll(async () => {
    sm = await startLocalSecretsManager();
  });
  afterAll(async () => {
    await sm?.stop();
  });
  beforeEach(() => {
    sm.reset();
    sm.putSecret('gridbot/main', JSON.stringify(MAIN));
    sm.putSecret('prod/okx/b', JSON.stringify(OKX));
  });

  function adapter(extra: { maxAgeSeconds?: number } = {}): SecretsManagerSecrets {
    return new SecretsManagerSecrets({
      accounts,
      endpoint: sm.endpoint,
      region: 'us-east-1',
      clientConfig: { credentials: LOCAL_AWS_CREDENTIALS, maxAttempts: 1 },
      ...extra,
    });
  }

  it('reads an account secret from gridbot/<account id> by default', async () => {
    const creds = await adapter().credentials('main');
    expect(creds.apiKey).toBe(MAIN.apiKey);
    expect(creds.secret).toBe(MAIN.secret);
    expect(creds.password).toBeUndefined();
    expect(sm.calls).toEqual([
      { target: 'secretsmanager.GetSecretValue', secretId: 'gridbot/main', signedBy: 'AKIALOCALTEST' },
    ]);
  });

  it('says the keys were never put in when the secret still holds the cdk deploy placeholder', async () => {
    sm.putSecret('gridbot/main', JSON.stringify({ apiKey: 'REPLACE_ME', secret: 'REPLACE_ME' }));
    const err = await adapter()
      .credentials('main')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretsError);
    expect((err as SecretsError).reason).toBe('placeholder');
    expect((err as SecretsError).message).toMatch(/still holds the placeholder written by cdk deploy/);
  });

  it('reads the secret the account config names, with its password', async () => {
    const creds = await adapter().credentials('okx-b');
    expect([creds.apiKey, creds.secret, creds.password]).toEqual([OKX.apiKey, OKX.secret, OKX.password]);
    expect(sm.calls.map((c) => c.secretId)).toEqual(['prod/okx/b']);
  });

  it('reads a secret stored as binary JSON', async () => {
    sm.putSecret('gridbot/main', new TextEncoder().encode(JSON.stringify(MAIN)));
    expect((await adapter().credentials('main')).apiKey).toBe(MAIN.apiKey);
  });

  it('serves repeated reads from its cache for the max age', async () => {
    const secrets = adapter();
    await secrets.credentials('main');
    sm.putSecret('gridbot/main', JSON.stringify({ ...MAIN, apiKey: 'rotatedKey000' }));
    const again = await secrets.credentials('main');
    expect(again.apiKey).toBe(MAIN.apiKey);
    expect(sm.calls).toHaveLength(1);
  });

  it('fetches again after a refresh (key rotation) and when the cache is disabled', async () => {
    const secrets = adapter();
    await secrets.credentials('main');
    sm.putSecret('gridbot/main', JSON.stringify({ ...MAIN, apiKey: 'rotatedKey000' }));
    expect((await secrets.refresh('main')).apiKey).toBe('rotatedKey000');
    expect((await secrets.credentials('main')).apiKey).toBe('rotatedKey000');
    expect(sm.calls).toHaveLength(2);

    const uncached = adapter({ maxAgeSeconds: 0 });
    await uncached.credentials('main');
    await uncached.credentials('main');
    expect(sm.calls).toHaveLength(4);
  });

  it('shares one call among concurrent first reads', async () => {
    const secrets = adapter();
    const all = await Promise.all([1, 2, 3, 4].map(() => secrets.credentials('main')));
    expect(all.map((c) => c.apiKey)).toEqual([MAIN.apiKey, MAIN.apiKey, MAIN.apiKey, MAIN.apiKey]);
    expect(sm.calls).toHaveLength(1);
  });

  it('makes no call when constructed, and none for an account outside the config', async () => {
    const secrets = new SecretsManagerSecrets({ accounts, endpoint: sm.endpoint, region: 'us-east-1' });
    const error = await secrets.credentials('ghost').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsError);
    expect(error).toMatchObject({ reason: 'unknown_account', accountId: 'ghost' });
    expect((error as Error).message).toContain('not in the deployment config');
    expect(sm.calls).toHaveLength(0);
  });

  it('when the secret does not exist then the error says so and names it', async () => {
    sm.deleteSecret('gridbot/main');
    const error = await adapter()
      .credentials('main')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SecretsError', reason: 'not_found', retryable: false });
    expect((error as Error).message).toContain('"gridbot/main"');
  });

  it('when access is denied then the error is not retryable and names the cause', async () => {
    sm.failNext('AccessDeniedException');
    const error = await adapter()
      .credentials('main')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'denied', retryable: false });
    expect((error as Error).message).toContain('AccessDeniedException');
  });

  it('when the service fails then the error is retryable, and the next read succeeds', async () => {
    const secrets = adapter();
    sm.failNext('InternalServiceError');
    const error = await secrets.credentials('main').catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'unavailable', retryable: true });
    expect((await secrets.credentials('main')).apiKey).toBe(MAIN.apiKey);
  });

  describe('a malformed secret is refused with its name and never its content', () => {
    const cases: [string, string, string][] = [
      ['not JSON', '{"apiKey": "leakyKeyValue1", secret: leakySecretValue2', 'is not valid JSON'],
      ['not an object', JSON.stringify('leakyKeyValue1:leakySecretValue2'), 'is not a JSON object'],
      ['a missing field', JSON.stringify({ apiKey: 'leakyKeyValue1' }), 'field secret is missing'],
      [
        'a field of the wrong type',
        JSON.stringify({ apiKey: 'leakyKeyValue1', secret: 123456789 }),
        'field secret must be a string',
      ],
      [
        'an empty field',
        JSON.stringify({ apiKey: '', secret: 'leakySecretValue2' }),
        'field apiKey is empty',
      ],
      [
        'whitespace around a value',
        JSON.stringify({ apiKey: ' leakyKeyValue1', secret: 'leakySecretValue2' }),
        'field apiKey has leading or trailing whitespace',
      ],
    ];
    for (const [what, stored, expected] of cases) {
      it(`when the secret is ${what}`, async () => {
        sm.putSecret('gridbot/main', stored);
        const error = await adapter()
          .credentials('main')
          .catch((e: unknown) => e);
        expect(error).toMatchObject({ name: 'SecretsError', reason: 'malformed', accountId: 'main' });
        const message = (error as Error).message;
        expect(message).toContain('secret "gridbot/main"');
        expect(message).toContain(expected);
        const everything = `${message}\n${(error as Error).stack}\n${inspect(error, { depth: 5 })}`;
        expect(findLeaks(everything, ['leakyKeyValue1', 'leakySecretValue2', '123456789'])).toEqual([]);
      });
    }
  });

  it('credentials print as redacted in JSON, string and inspect form', async () => {
    const creds = await adapter().credentials('okx-b');
    const printed = `${JSON.stringify({ creds })} ${String(creds)} ${inspect(creds)} ${inspect({ creds })}`;
    expect(printed).toContain('[credentials redacted]');
    expect(findLeaks(printed, [OKX.apiKey, OKX.secret, OKX.password])).toEqual([]);
  });
});
