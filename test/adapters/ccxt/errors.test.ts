import ccxt from 'ccxt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyFailure, redact, venueErrorCode } from '../../../shared/adapters/ccxt/errors.js';
import { VENUE_CODES } from '../../../shared/adapters/ccxt/venue-codes.js';

describe('venue error codes in ccxt messages', () => {
  it('reads the code from a Binance body and from a message ccxt matched by text', () => {
    expect(
      venueErrorCode('binanceusdm {"code":-5022,"msg":"Due to the order could not be executed as maker"}'),
    ).toBe('-5022');
    expect(venueErrorCode('binanceusdm Unknown order sent.')).toBe('-2011');
    // OKX: a failed order call answers code "1" and puts the reason in the order's sCode.
    expect(venueErrorCode('okx {"code":"1","data":[{"sCode":"51008","sMsg":"x"}],"msg":""}')).toBe('51008');
    expect(venueErrorCode('okx {"code":"50011","data":[],"msg":"Too Many Requests"}')).toBe('50011');
    expect(venueErrorCode('nothing here')).toBeUndefined();
  });

  it('hides signatures and listen keys in messages', () => {
    expect(redact('GET http://h/fapi/v1/order?symbol=X&timestamp=1&signature=abcdef0123')).toBe(
      'GET http://h/fapi/v1/order?symbol=X&timestamp=1&signature=***',
    );
    expect(redact('ws://h/private/ws?listenKey=secretkey')).toBe('ws://h/private/ws?listenKey=***');
  });
});

describe('classifying ccxt failures', () => {
  it('makes a post-only refusal an order rejection, not an error', () => {
    const c = classifyFailure(
      new ccxt.InvalidOrder('binanceusdm {"code":-5022,"msg":"Post Only order will be rejected"}'),
      'write',
    );
    expect(c).toMatchObject({
      kind: 'rejection',
      rejection: { ok: false, reason: 'post_only_would_take', code: '-5022' },
    });
  });

  it('makes any other venue refusal of an order call a rejection of that command only, never fatal', () => {
    for (const [code, msg] of [
      ['-5027', 'No need to modify the order.'],
      ['-4130', 'An open stop or take profit order with GTE and closePosition in the direction is existing.'],
      ['-4999', 'a code nobody documented'],
    ]) {
      const c = classifyFailure(
        new ccxt.ExchangeError(`binanceusdm {"code":${code},"msg":"${msg}"}`),
        'write',
      );
      expect(c).toMatchObject({ kind: 'rejection', rejection: { ok: false, code } });
    }
    expect(
      classifyFailure(
        new ccxt.InvalidOrder('binanceusdm {"code":-2021,"msg":"Order would immediately trigger."}'),
        'write',
      ),
    ).toMatchObject({ kind: 'rejection', rejection: { reason: 'would_trigger' } });
  });

  it('makes a 5xx or timeout on a write an unknown outcome, but retryable on a read', () => {
    expect(classifyFailure(new ccxt.ExchangeNotAvailable('binanceusdm 503'), 'write')).toMatchObject({
      error: { kind: 'unknown_outcome' },
    });
    expect(classifyFailure(new ccxt.RequestTimeout('timed out'), 'write')).toMatchObject({
      error: { kind: 'unknown_outcome' },
    });
    expect(classifyFailure(new ccxt.ExchangeNotAvailable('binanceusdm 503'), 'read')).toMatchObject({
      error: { kind: 'retryable' },
    });
  });

  it('makes a refused connection retryable even on a write: nothing was sent', () => {
    expect(classifyFailure(new ccxt.NetworkError('connect ECONNREFUSED 127.0.0.1:1'), 'write')).toMatchObject(
      { error: { kind: 'retryable' } },
    );
  });

  it('makes 429 rate limited with the server wait, and bad credentials fatal', () => {
    const limited = classifyFailure(
      new ccxt.DDoSProtection('binanceusdm 429 Too Many Requests'),
      'read',
      7_000,
    );
    expect(limited).toMatchObject({ error: { kind: 'rate_limited', retryAfterMs: 7_000 } });
    expect(
      classifyFailure(
        new ccxt.AuthenticationError(
          'binanceusdm {"code":-1022,"msg":"Signature for this request is not valid."}',
        ),
        'read',
      ),
    ).toMatchObject({
      error: { kind: 'fatal', code: '-1022' },
    });
  });

  it('makes an insufficient margin answer a rejection with its reason', () => {
    const c = classifyFailure(
      new ccxt.InsufficientFunds('binanceusdm {"code":-2019,"msg":"Margin is insufficient."}'),
      'write',
    );
    expect(c).toMatchObject({ kind: 'rejection', rejection: { reason: 'insufficient_margin' } });
  });
});

describe('documented venue codes (Binance USD-M and OKX v5)', () => {
  const binance = (code: string, msg = 'x') => `binanceusdm {"code":${code},"msg":"${msg}"}`;
  const okx = (code: string) => `okx {"code":"${code}","data":[],"msg":"x"}`;
  const okxOrder = (sCode: string) => `okx {"code":"1","data":[{"sCode":"${sCode}","sMsg":"x"}],"msg":""}`;

  it('classes every code in the table by its meaning, on writes and reads', () => {
    for (const [code, cls] of Object.entries(VENUE_CODES)) {
      const text = code.startsWith('-') ? binance(code) : okxOrder(code);
      // A generic ccxt class: the table, not ccxt's mapping, must decide.
      const w = classifyFailure(new ccxt.ExchangeError(text), 'write');
      const r = classifyFailure(new ccxt.ExchangeError(text), 'read');
      switch (cls) {
        case 'rate_limited':
          expect(w).toMatchObject({ error: { kind: 'rate_limited' } });
          expect(r).toMatchObject({ error: { kind: 'rate_limited' } });
          break;
        case 'credentials':
          expect(w).toMatchObject({ error: { kind: 'fatal', code } });
          expect(r).toMatchObject({ error: { kind: 'fatal', code } });
          break;
        case 'clock':
        case 'retry':
          expect(w).toMatchObject({ error: { kind: 'retryable' } });
          expect(r).toMatchObject({ error: { kind: 'retryable' } });
          break;
        case 'uncertain':
          expect(w).toMatchObject({ error: { kind: 'unknown_outcome' } });
          expect(r).toMatchObject({ error: { kind: 'retryable' } });
          break;
        default:
          expect(w).toEqual({
            kind: 'rejection',
            rejection: { ok: false, reason: cls, code, message: text },
          });
          // On a read: what was asked for is not there (e.g. no such order), not a failure to retry.
          expect(r).toEqual(w);
      }
    }
  });

  it('lets the documented code overrule the class ccxt chose', () => {
    // ccxt maps some "status unknown" answers to classes that read as a plain refusal.
    expect(classifyFailure(new ccxt.InvalidOrder(binance('-1007', 'Timeout')), 'write')).toMatchObject({
      error: { kind: 'unknown_outcome' },
    });
    expect(classifyFailure(new ccxt.ExchangeError(okx('50004')), 'write')).toMatchObject({
      error: { kind: 'unknown_outcome' },
    });
    expect(classifyFailure(new ccxt.ExchangeError(okx('50110')), 'read')).toMatchObject({
      error: { kind: 'fatal', code: '50110' },
    });
    expect(classifyFailure(new ccxt.InsufficientFunds(okxOrder('51008')), 'write')).toMatchObject({
      kind: 'rejection',
      rejection: { reason: 'insufficient_margin', code: '51008' },
    });
  });

  it('never calls an undocumented code fatal: it rejects that order, or is retried on a read', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 1000, max: 9999 }).map((n) => `-${n}`),
          fc.integer({ min: 10000, max: 99999 }).map(String),
        ),
        (code) => {
          fc.pre(VENUE_CODES[code] === undefined);
          const text = code.startsWith('-') ? binance(code) : okxOrder(code);
          expect(classifyFailure(new ccxt.ExchangeError(text), 'write')).toMatchObject({
            kind: 'rejection',
            rejection: { reason: 'other', code },
          });
          expect(classifyFailure(new ccxt.ExchangeError(text), 'read')).toMatchObject({
            error: { kind: 'retryable' },
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects a request refused before it was sent, and takes an unexplained write failure as unknown', () => {
    expect(classifyFailure(new ccxt.BadRequest('binanceusdm 400 Bad Request'), 'write')).toMatchObject({
      kind: 'rejection',
      rejection: { reason: 'other' },
    });
    expect(
      classifyFailure(new TypeError("Cannot read properties of undefined (reading 'id')"), 'write'),
    ).toMatchObject({ error: { kind: 'unknown_outcome' } });
  });
});
