import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ExchangeError } from '../../../shared/ports/exchange.js';
import { Credentials } from '../../../shared/ports/secrets.js';

describe('credentials', () => {
  it('never print their values through JSON, String or inspect', () => {
    const c = new Credentials('AKIAKEYVALUE1234', 'supersecretvalue', 'passphrase99');
    const outputs = [JSON.stringify({ c }), String(c), `${c}`, inspect(c), inspect({ nested: { c } })];
    for (const out of outputs) {
      for (const secret of c.secretValues()) expect(out).not.toContain(secret);
    }
    expect(c.apiKey).toBe('AKIAKEYVALUE1234');
    expect(c.password).toBe('passphrase99');
  });
});

describe('exchange errors', () => {
  it('say whether the caller may retry', () => {
    expect(new ExchangeError('retryable', 'net').retryable).toBe(true);
    expect(new ExchangeError('rate_limited', '429', { retryAfterMs: 1000 }).retryAfterMs).toBe(1000);
    expect(new ExchangeError('unknown_outcome', '502 on submit').retryable).toBe(false);
    const cause = new Error('inner');
    const fatal = new ExchangeError('fatal', 'bad key', { code: '-2015', cause });
    expect(fatal.retryable).toBe(false);
    expect(fatal.code).toBe('-2015');
    expect(fatal.cause).toBe(cause);
  });
});
