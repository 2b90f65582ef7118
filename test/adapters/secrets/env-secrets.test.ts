import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonConsoleLogger, LineRecorder, Redactor } from '../../../shared/adapters/logging/index.js';
import {
  credentialVariables,
  DotenvError,
  EnvSecrets,
  parseDotenv,
  registeringSecrets,
  SecretsError,
} from '../../../shared/adapters/secrets/index.js';
import { findLeaks } from '../../support/aws/leak-scan.js';

const dir = mkdtempSync(join(tmpdir(), 'gridbot-env-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function envFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('environment secrets', () => {
  it('names the variables after the account id, upper-cased with - as _', () => {
    expect(credentialVariables('hedge-b')).toEqual({
      apiKey: 'GRIDBOT_HEDGE_B_API_KEY',
      secret: 'GRIDBOT_HEDGE_B_SECRET',
      password: 'GRIDBOT_HEDGE_B_PASSWORD',
    });
  });

  it('reads an account from the environment', async () => {
    const secrets = new EnvSecrets({
      envFile: false,
      env: { GRIDBOT_MAIN_API_KEY: 'envKey1234', GRIDBOT_MAIN_SECRET: 'envSecret5678' },
    });
    const creds = await secrets.credentials('main');
    expect([creds.apiKey, creds.secret, creds.password]).toEqual(['envKey1234', 'envSecret5678', undefined]);
  });

  it('reads a .env file, and the environment wins over it', async () => {
    const file = envFile(
      'both.env',
      [
        '# local keys',
        'GRIDBOT_OKX_A_API_KEY=fileKey1234',
        'export GRIDBOT_OKX_A_SECRET="fileSecret5678"',
        "GRIDBOT_OKX_A_PASSWORD='pass # not a comment'",
      ].join('\n'),
    );
    const fromFile = await new EnvSecrets({ envFile: file, env: {} }).credentials('okx-a');
    expect([fromFile.apiKey, fromFile.secret, fromFile.password]).toEqual([
      'fileKey1234',
      'fileSecret5678',
      'pass # not a comment',
    ]);
    const overridden = await new EnvSecrets({
      envFile: file,
      env: { GRIDBOT_OKX_A_API_KEY: 'envKey9999' },
    }).credentials('okx-a');
    expect(overridden.apiKey).toBe('envKey9999');
    expect(overridden.secret).toBe('fileSecret5678');
  });

  it('treats a missing .env file as empty', async () => {
    const secrets = new EnvSecrets({
      envFile: join(dir, 'absent.env'),
      env: { GRIDBOT_MAIN_API_KEY: 'envKey1234', GRIDBOT_MAIN_SECRET: 'envSecret5678' },
    });
    expect((await secrets.credentials('main')).apiKey).toBe('envKey1234');
  });

  it('when nothing is set then the error names the variables to set', async () => {
    const error = await new EnvSecrets({ envFile: false, env: {} })
      .credentials('main')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsError);
    expect(error).toMatchObject({ reason: 'not_found', accountId: 'main' });
    expect((error as Error).message).toContain('GRIDBOT_MAIN_API_KEY and GRIDBOT_MAIN_SECRET');
  });

  it('when only the key is set then the error names the missing secret variable', async () => {
    const error = await new EnvSecrets({ envFile: false, env: { GRIDBOT_MAIN_API_KEY: 'envKey1234' } })
      .credentials('main')
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('GRIDBOT_MAIN_SECRET not set');
    expect(findLeaks((error as Error).message, ['envKey1234'])).toEqual([]);
  });

  it('when a value has stray whitespace then the error names the field, not the value', async () => {
    const error = await new EnvSecrets({
      envFile: false,
      env: { GRIDBOT_MAIN_API_KEY: 'envKey1234 ', GRIDBOT_MAIN_SECRET: 'envSecret5678' },
    })
      .credentials('main')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'malformed' });
    expect((error as Error).message).toContain('field apiKey has leading or trailing whitespace');
    expect(findLeaks((error as Error).message, ['envKey1234', 'envSecret5678'])).toEqual([]);
  });

  it('when the .env file has a broken line then the error gives the line number, not its text', async () => {
    const file = envFile('broken.env', 'GRIDBOT_MAIN_API_KEY=ok1234\nthisIsASecretValue99\n');
    const error = await new EnvSecrets({ envFile: file, env: {} })
      .credentials('main')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DotenvError);
    expect((error as Error).message).toBe(`${file} line 2: expected NAME=value`);
  });

  it('registers what it loads with the redactor, so a logger cannot print it', async () => {
    const redactor = new Redactor({ redactLongTokens: false });
    const secrets = registeringSecrets(
      new EnvSecrets({
        envFile: false,
        env: { GRIDBOT_MAIN_API_KEY: 'pk_live_1', GRIDBOT_MAIN_SECRET: 'sk live 2' },
      }),
      redactor,
    );
    const creds = await secrets.credentials('main');
    const out = new LineRecorder();
    new JsonConsoleLogger({ redactor, write: out.write }).info(`signed with ${creds.secret}`, {
      url: `https://x/?k=${encodeURIComponent(creds.secret)}&id=${creds.apiKey}`,
    });
    expect(out.lines).toHaveLength(1);
    expect(findLeaks(out.text(), ['pk_live_1', 'sk live 2'])).toEqual([]);
    expect(out.records()[0]).toMatchObject({ message: 'signed with [redacted]' });
  });
});

describe('.env parsing', () => {
  it('reads quotes, escapes, export and comments', () => {
    const parsed = parseDotenv(
      [
        '\uFEFF# comment',
        '',
        'A=plain value # trailing comment',
        'export B = "line\\nbreak \\"quoted\\""',
        "C='literal \\n # kept'",
        'D=',
        'E="x" # comment after quote',
        'F=a#b',
      ].join('\r\n'),
    );
    expect(Object.fromEntries(parsed)).toEqual({
      A: 'plain value',
      B: 'line\nbreak "quoted"',
      C: 'literal \\n # kept',
      D: '',
      E: 'x',
      F: 'a#b',
    });
  });

  it('refuses an unclosed quote and text after a closing quote, naming the line only', () => {
    expect(() => parseDotenv('A="open secretValue', 'x.env')).toThrow(
      'x.env line 1: the quoted value is not closed',
    );
    expect(() => parseDotenv('\nA="v" trailingSecret', 'x.env')).toThrow(
      'x.env line 2: unexpected text after the closing quote',
    );
  });
});
