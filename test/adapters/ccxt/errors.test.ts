import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { classifyFailure, redact, venueErrorCode } from '../../../shared/adapters/ccxt/errors.js';

describe('venue error codes in ccxt messages', () => {
  it('reads the code from a Binance body and from a message ccxt matched by text', () => {
    expect(
      venueErrorCode('binanceusdm {"code":-5022,"msg":"Due to the order could not be executed as maker"}'),
    ).toBe('-5022');
    expect(venueErrorCode('binanceusdm Unknown order sent.')).toBe('-2011');
    expect(venueErrorCode('okx {"code":"1","data":[{"sCode":"51008","sMsg":"x"}]}')).toBe('1');
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
