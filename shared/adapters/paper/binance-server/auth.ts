/**
 * Request authentication as Binance does it for SIGNED endpoints.
 *
 * Entry points: `signedPayload` (the exact text that was signed: query string followed by the body, with
 * the `signature` parameter removed), `verifySignature` (HMAC-SHA256, constant-time compare; -1022 when it
 * does not match), `checkTimestamp` (-1021 unless `serverTime - recvWindow ≤ timestamp < serverTime + 1000`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { apiErrors } from './api-error.js';

const SIGNATURE_PARAM = /(^|&)signature=[^&]*/;

export function hmacSha256Hex(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** The signed text and the signature sent, taken from the raw query and body (Binance concatenates them). */
export function signedPayload(rawQuery: string, rawBody: string): { payload: string; signature: string } {
  let signature = '';
  const strip = (raw: string): string => {
    const match = SIGNATURE_PARAM.exec(raw);
    if (!match) return raw;
    signature = decodeURIComponent(match[0].replace(/^&?signature=/, ''));
    const without = raw.slice(0, match.index) + raw.slice(match.index + match[0].length);
    return without.startsWith('&') ? without.slice(1) : without;
  };
  const query = strip(rawQuery);
  const body = strip(rawBody);
  return { payload: query + body, signature };
}

export function verifySignature(rawQuery: string, rawBody: string, secret: string): void {
  const { payload, signature } = signedPayload(rawQuery, rawBody);
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) throw apiErrors.signature();
  const expected = Buffer.from(hmacSha256Hex(payload, secret), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (!timingSafeEqual(expected, given)) throw apiErrors.signature();
}

export function checkTimestamp(params: URLSearchParams, serverTime: number, defaultRecvWindow = 5000): void {
  const tsText = params.get('timestamp');
  if (tsText === null || !/^\d+$/.test(tsText)) throw apiErrors.mandatory('timestamp');
  const recvText = params.get('recvWindow');
  let recvWindow = defaultRecvWindow;
  if (recvText !== null) {
    if (!/^\d+$/.test(recvText) || Number(recvText) > 60_000) throw apiErrors.badParam('recvWindow');
    recvWindow = Number(recvText);
  }
  const timestamp = Number(tsText);
  if (timestamp >= serverTime + 1000 || serverTime - timestamp > recvWindow) throw apiErrors.timestamp();
}
