import { describe, expect, it } from 'vitest';
import {
  JsonConsoleLogger,
  LineRecorder,
  type LogLevelName,
  PowertoolsLogger,
  REDACTED,
  Redactor,
} from '../../../shared/adapters/logging/index.js';
import type { Logger } from '../../../shared/ports/logger.js';
import { Credentials } from '../../../shared/ports/secrets.js';
import { findLeaks } from '../../support/aws/leak-scan.js';

const creds = new Credentials('vmPfk28RnKey', 'NhqPtmdSJYdKjVHj/+s3cr3t=', 'pass phrase&1');
const SECRETS = [creds.apiKey, creds.secret, creds.password!];

type Make = (o: { redactor: Redactor; write: LineRecorder['write']; level?: LogLevelName }) => Logger;

const loggers: [string, Make][] = [
  ['Powertools logger', (o) => new PowertoolsLogger({ ...o, serviceName: 'recon' })],
  ['JSON console logger', (o) => new JsonConsoleLogger({ ...o, now: () => Date.UTC(2026, 0, 2, 3, 4, 5) })],
];

/** Every way the application could plausibly let a secret near a log line. */
function logEverywhere(log: Logger): void {
  const query = `symbol=BTCUSDT&timestamp=1&recvWindow=5000&signature=${'ab12'.repeat(16)}&apiKey=${creds.apiKey}`;
  const httpError = Object.assign(
    new Error(`request failed: POST https://fapi.binance.com/fapi/v1/order?${query}`),
    {
      headers: { 'X-MBX-APIKEY': creds.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ secret: creds.secret, code: -1022 }),
    },
  );
  const withCause = new Error('order submit failed', { cause: httpError });

  log.info(`login with ${creds.apiKey}:${creds.secret}`);
  log.info('message keys', { apiKey: creds.apiKey, nested: { deeper: [{ password: creds.password }] } });
  log.warn('values under ordinary keys', { note: `key is ${creds.secret}`, list: ['x', creds.password] });
  log.error('error with cause', { error: withCause });
  log.error('error alone', { err: httpError, query, encoded: encodeURIComponent(creds.secret) });
  log.info('json in a string', { raw: JSON.stringify({ creds: { a: creds.secret }, auth: creds.password }) });
  log.info('credentials object', { creds, map: new Map([['k', creds.apiKey]]) });
  log.child({ account: 'main', token: creds.secret }).info('child context', { url: `https://x/?${query}` });
  log.info('form body', {
    body: new URLSearchParams({ passphrase: creds.password!, q: creds.secret }).toString(),
  });
}

describe.each(loggers)('%s', (_name, make) => {
  it('writes one JSON line per call with message, level, extras and child context', () => {
    const out = new LineRecorder();
    const log = make({ redactor: new Redactor(), write: out.write });
    log.child({ instanceId: 'klg-1' }).child({ pass: 2 }).warn('recon pass slow', { durationMs: 1234 });
    log.info('plain');
    expect(out.lines).toHaveLength(2);
    expect(out.records()[0]).toMatchObject({
      level: 'WARN',
      message: 'recon pass slow',
      instanceId: 'klg-1',
      pass: 2,
      durationMs: 1234,
    });
    expect(out.records()[1]).toMatchObject({ level: 'INFO', message: 'plain' });
    expect(out.records()[1]).not.toHaveProperty('instanceId');
  });

  it('keeps a grid "level" field under extra_level instead of dropping it', () => {
    const out = new LineRecorder();
    make({ redactor: new Redactor(), write: out.write }).info('level filled', {
      level: '101.5',
      message: 'x',
    });
    expect(out.records()[0]).toMatchObject({ level: 'INFO', message: 'level filled', extra_level: '101.5' });
    expect(out.records()[0]).toMatchObject({ extra_message: 'x' });
    expect(out.lines).toHaveLength(1);
  });

  it('drops lines below its level', () => {
    const out = new LineRecorder();
    const log = make({ redactor: new Redactor(), write: out.write, level: 'WARN' });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(out.records().map((r) => r.message)).toEqual(['w', 'e']);
  });

  it('never writes a registered secret, in any form, wherever it was put', () => {
    const out = new LineRecorder();
    const redactor = new Redactor();
    redactor.registerCredentials(creds);
    logEverywhere(make({ redactor, write: out.write, level: 'DEBUG' }));
    expect(out.lines.length).toBe(9);
    expect(findLeaks(out.text(), SECRETS)).toEqual([]);
    expect(out.text()).toContain(REDACTED);
  });

  it('redacts by key and by pattern even before any secret is registered', () => {
    const out = new LineRecorder();
    logEverywhere(make({ redactor: new Redactor(), write: out.write }));
    const records = out.records();
    expect(records[1]).toMatchObject({ apiKey: REDACTED, nested: { deeper: [{ password: REDACTED }] } });
    expect(records[4]).toMatchObject({ err: { headers: { 'X-MBX-APIKEY': REDACTED } } });
    expect(String((records[4]!.err as Record<string, unknown>).message)).toContain(`apiKey=${REDACTED}`);
    expect(records[7]).toMatchObject({ account: 'main', token: REDACTED });
    // Values under ordinary names in free text are only caught once registered (previous test).
    expect(records[2]).toMatchObject({ note: `key is ${creds.secret}` });
  });

  it('keeps error messages, stacks and causes readable', () => {
    const out = new LineRecorder();
    const cause = new TypeError('socket hang up');
    make({ redactor: new Redactor(), write: out.write }).error('send failed', {
      error: new Error('submit BTCUSDT failed', { cause }),
    });
    const error = out.records()[0]!.error as Record<string, unknown>;
    expect(error).toMatchObject({ name: 'Error', message: 'submit BTCUSDT failed' });
    expect(String(error.stack)).toContain('loggers.test.ts');
    expect(error.cause).toMatchObject({ name: 'TypeError', message: 'socket hang up' });
  });
});

describe('Powertools logger specifics', () => {
  it('adds service and persistent keys, redacted like any extra', () => {
    const out = new LineRecorder();
    const redactor = new Redactor();
    new PowertoolsLogger({
      redactor,
      write: out.write,
      serviceName: 'stream-worker',
      persistentKeys: { account: 'main', apiKey: creds.apiKey },
    }).info('started');
    expect(out.records()[0]).toMatchObject({
      service: 'stream-worker',
      account: 'main',
      apiKey: REDACTED,
      message: 'started',
    });
  });

  it('scrubs what Powertools adds by itself, through the last pass over the line', () => {
    const out = new LineRecorder();
    const redactor = new Redactor();
    const log = new PowertoolsLogger({ redactor, write: out.write });
    redactor.registerCredentials(creds);
    log.powertools.appendKeys({ leaked: `${creds.secret} via appendKeys` });
    log.info('context');
    expect(out.records()[0]).toMatchObject({ leaked: `${REDACTED} via appendKeys` });
    expect(findLeaks(out.text(), SECRETS)).toEqual([]);
  });

  it('passes warnings and errors to the writer with their level', () => {
    const levels: string[] = [];
    const log = new PowertoolsLogger({
      redactor: new Redactor(),
      write: (_line, level) => levels.push(level),
    });
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(levels).toEqual(['INFO', 'WARN', 'ERROR']);
  });
});

describe('JSON console logger specifics', () => {
  it('stamps lines with the injected clock (virtual time in the simulator)', () => {
    const out = new LineRecorder();
    new JsonConsoleLogger({ redactor: new Redactor(), write: out.write, now: () => 0 }).info('t');
    expect(out.records()[0]).toEqual({ level: 'INFO', time: '1970-01-01T00:00:00.000Z', message: 't' });
  });
});
