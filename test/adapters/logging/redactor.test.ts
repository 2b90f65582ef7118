import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecretKey, REDACTED, Redactor } from '../../../shared/adapters/logging/index.js';
import { dec } from '../../../shared/domain/money.js';
import { Credentials } from '../../../shared/ports/secrets.js';
import { findLeaks, secretForms } from '../../support/aws/leak-scan.js';

const SECRET_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/+=!@%&? $';
const FILLER_CHARS = '-:;,.(){}<>|~#*\n\t';

const secretArb = fc.string({ unit: fc.constantFrom(...SECRET_CHARS), minLength: 6, maxLength: 40 });
const fillerArb = fc.string({ unit: fc.constantFrom(...FILLER_CHARS), maxLength: 12 });
const prefixArb = fc.constantFrom('', 'url: https://x/?q=1&p=', 'header ', '"v":"', 'signature=', 'Bearer ');

/** The secret in one of its encodings, wrapped in filler text. */
function textWith(secret: string): fc.Arbitrary<string> {
  return fc
    .tuple(prefixArb, fillerArb, fc.constantFrom(...secretForms(secret)), fillerArb)
    .map(([p, a, form, b]) => `${p}${a}${form}${b}`);
}

describe('redactor', () => {
  it('removes a registered value in every encoding from any text (property)', () => {
    fc.assert(
      fc.property(
        secretArb.chain((s) =>
          fc.tuple(fc.constant(s), fc.array(textWith(s), { minLength: 1, maxLength: 4 })),
        ),
        ([secret, parts]) => {
          const redactor = new Redactor({ redactLongTokens: false });
          redactor.register([secret]);
          const out = redactor.scrubText(parts.join(' '));
          expect(findLeaks(out, [secret])).toEqual([]);
          expect(out).toContain(REDACTED);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('removes a registered value from any nested structure: keys, strings, arrays, errors, causes (property)', () => {
    const tree = (secret: string) =>
      fc.letrec<{ node: unknown }>((tie) => ({
        node: fc.oneof(
          { depthSize: 'small' },
          textWith(secret),
          fc.integer(),
          fc.array(tie('node'), { maxLength: 3 }),
          fc.dictionary(fc.oneof(fillerArb, textWith(secret)), tie('node'), { maxKeys: 3 }),
          fc
            .tuple(textWith(secret), tie('node'))
            .map(([message, cause]) => Object.assign(new Error(message, { cause }), { detail: message })),
        ),
      })).node;
    fc.assert(
      fc.property(
        secretArb.chain((s) => fc.tuple(fc.constant(s), tree(s))),
        ([secret, value]) => {
          const redactor = new Redactor({ redactLongTokens: false });
          redactor.register([secret]);
          const out = JSON.stringify(redactor.sanitize({ value }));
          expect(findLeaks(out, [secret])).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('removes a registered value from base64 data at any byte offset (property)', () => {
    const bytesArb = fc.string({ unit: fc.constantFrom(...SECRET_CHARS), maxLength: 7 });
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...SECRET_CHARS), minLength: 12, maxLength: 40 }),
        bytesArb,
        bytesArb,
        fc.boolean(),
        (secret, before, after, url) => {
          const redactor = new Redactor({ redactLongTokens: false });
          redactor.register([secret]);
          const blob = Buffer.from(`${before}${secret}${after}`).toString(url ? 'base64url' : 'base64');
          const out = redactor.scrubText(`Authorization: Basic-ish ${blob} end`);
          // The oracle: no run of base64 left in the output decodes (at any alignment) to the secret.
          for (const run of out.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
            for (let offset = 0; offset < 4; offset++) {
              const decoded = Buffer.from(run.slice(offset).replace(/-/g, '+').replace(/_/g, '/'), 'base64');
              expect(decoded.toString('latin1')).not.toContain(secret);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('removes a registered value split across lines or by escaped line breaks (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...SECRET_CHARS.replace(' ', '')), minLength: 8, maxLength: 64 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 63 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom('\n', '\r\n', '\n    ', '\\n', '\n\t'),
        (secret, cuts, brk) => {
          const redactor = new Redactor({ redactLongTokens: false });
          redactor.register([secret]);
          let text = secret;
          for (const c of cuts.filter((c) => c < secret.length).sort((a, b) => b - a))
            text = `${text.slice(0, c)}${brk}${text.slice(c)}`;
          const out = redactor.scrubText(`-----BEGIN-----\n${text}\n-----END-----`);
          const joined = out.replace(/\r?\n[ \t]*/g, '').replace(/\\n/g, '');
          expect(joined).not.toContain(secret);
          expect(out).toContain(REDACTED);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("redacts OKX's OK-ACCESS-SIGN and a bare sign field", () => {
    const redactor = new Redactor({ redactLongTokens: false });
    expect(
      redactor.scrubText('OK-ACCESS-SIGN: bW9ja3NpZ24= OK-ACCESS-KEY: k1 OK-ACCESS-PASSPHRASE: p1'),
    ).toBe(`OK-ACCESS-SIGN: ${REDACTED} OK-ACCESS-KEY: ${REDACTED} OK-ACCESS-PASSPHRASE: ${REDACTED}`);
    expect(redactor.sanitize({ headers: { 'OK-ACCESS-SIGN': 'abc', sign: 'def', signal: 'ok' } })).toEqual({
      headers: { 'OK-ACCESS-SIGN': REDACTED, sign: REDACTED, signal: 'ok' },
    });
  });

  it('redacts secret-shaped keys at any depth and in any case, without knowing the value', () => {
    const redactor = new Redactor();
    const out = redactor.sanitize({
      apiKey: 'a1',
      api_key: 'a2',
      key: 'a3',
      nested: { deeper: [{ SECRET: 'a4' }, { Password: 'a5', passphrase: 'a6' }] },
      headers: { 'X-MBX-APIKEY': 'a7', Authorization: 'Bearer a8' },
      listenKey: 'a9',
      signature: 'a10',
      accessToken: 'a11',
      clientSecret: { nested: 'a12' },
    });
    expect(JSON.stringify(out)).not.toMatch(/"a\d+"/);
    expect(out).toMatchObject({ apiKey: REDACTED, nested: { deeper: [{ SECRET: REDACTED }, {}] } });
  });

  it('keeps names of secrets, store item keys and ordinary fields', () => {
    const redactor = new Redactor();
    const kept = {
      secretName: 'gridbot/main',
      secret_arn: 'arn:x',
      key: 'INST#a/GRID',
      level: '101.5',
      qty: 3,
    };
    expect(redactor.sanitize(kept)).toEqual(kept);
    expect(isSecretKey('keyLevel')).toBe(false);
    expect(isSecretKey('X-MBX-APIKEY')).toBe(true);
  });

  it('redacts secret-shaped pairs inside text: query strings, headers, JSON held in a string', () => {
    const redactor = new Redactor();
    expect(
      redactor.scrubText('GET /fapi/v1/order?symbol=BTCUSDT&timestamp=1&signature=9f86d0&apiKey=k1'),
    ).toBe(`GET /fapi/v1/order?symbol=BTCUSDT&timestamp=1&signature=${REDACTED}&apiKey=${REDACTED}`);
    expect(redactor.scrubText('X-MBX-APIKEY: k2, Authorization: Bearer t3')).toBe(
      `X-MBX-APIKEY: ${REDACTED}, Authorization: Bearer ${REDACTED}`,
    );
    expect(redactor.scrubText('body {"secret":"s4","qty":"1"} and {\\"password\\":\\"p5\\"}')).toBe(
      `body {"secret":"${REDACTED}","qty":"1"} and {\\"password\\":\\"${REDACTED}\\"}`,
    );
    expect(redactor.scrubText('item key: INST#a/GRID')).toBe('item key: INST#a/GRID');
  });

  it('redacts long opaque tokens such as listen keys and HMAC signatures nobody registered', () => {
    const listenKey = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
    const out = new Redactor().scrubText(`connecting wss://fstream.binance.com/ws/${listenKey}`);
    expect(out).toBe(`connecting wss://fstream.binance.com/ws/${REDACTED}`);
    expect(new Redactor({ redactLongTokens: false }).scrubText(listenKey)).toBe(listenKey);
  });

  it('flattens errors with their causes, aggregate members and own properties', () => {
    const redactor = new Redactor();
    redactor.register(['topSecretValue']);
    const cause = Object.assign(new Error('inner topSecretValue'), {
      config: { headers: { 'X-MBX-APIKEY': 'k' } },
    });
    const error = new AggregateError([new Error('member topSecretValue')], 'outer', { cause });
    const out = redactor.sanitize(error) as Record<string, unknown>;
    expect(out).toMatchObject({
      name: 'AggregateError',
      message: 'outer',
      cause: { message: `inner ${REDACTED}`, config: { headers: { 'X-MBX-APIKEY': REDACTED } } },
      errors: [{ message: `member ${REDACTED}` }],
    });
    expect(String(out.stack)).toContain('AggregateError: outer');
    expect(findLeaks(JSON.stringify(out), ['topSecretValue'])).toEqual([]);
  });

  it('turns credentials, decimals, maps, sets, bigints and cycles into safe JSON', () => {
    const redactor = new Redactor();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const out = redactor.sanitize({
      creds: new Credentials('kkkk1111', 'ssss2222'),
      price: dec('101.25'),
      map: new Map([['apiKey', 'zz']]),
      set: new Set([1, 2]),
      big: 12n,
      cyclic,
      nan: Number.NaN,
    });
    expect(out).toEqual({
      creds: '[credentials redacted]',
      price: '101.25',
      map: { apiKey: REDACTED },
      set: [1, 2],
      big: '12',
      cyclic: { name: 'loop', self: '[circular]' },
      nan: 'NaN',
    });
  });

  it('ignores values too short to redact safely and counts what it registered', () => {
    const redactor = new Redactor();
    redactor.register(['abc', '']);
    expect(redactor.size).toBe(0);
    redactor.registerCredentials(new Credentials('key-1234', 'sec-5678', 'pw'));
    expect(redactor.size).toBeGreaterThanOrEqual(2);
    expect(redactor.scrubText('key-1234 pw')).toBe(`${REDACTED} pw`);
  });
});
