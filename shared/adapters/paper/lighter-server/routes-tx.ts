/**
 * `POST /api/v1/sendTx`: one signed L2 transaction (`tx_type`, `tx_info`) per request, as a form.
 *
 * Checks, in order, each answered with a 400 before anything is touched:
 *   1. `tx_info` is a JSON object (21501); `tx_type` is supported (21505); it has the fields of its type,
 *      each within its Go type (21501);
 *   2. `AccountIndex` is a known account (21100) and `ApiKeyIndex` a key registered on it (21109);
 *   3. `ExpiredAt` (ms) is not in the past by the engine clock (21501);
 *   4. `Sig` is base64 of 80 bytes (21501). The Schnorr signature itself is NOT verified: this server has
 *      no Poseidon2 / ECgFp5 implementation and no public keys; a paper venue trusts its callers;
 *   5. `Nonce` is the next nonce of that (account, api key) (21104 `invalid nonce`; see `accounts.ts` for
 *      skip-nonce txs).
 * Then the nonce is consumed and the tx executed (`tx-exec.ts`); a refusal there is answered with its code
 * and leaves the engine as it was (the nonce stays consumed).
 *
 * Simplified: real Lighter accepts a well-formed tx, answers 200 with its hash, and executes it
 * asynchronously, reporting a failed order later as a cancelled order status. This server executes before
 * answering and answers a failure synchronously with its Lighter code.
 *
 * Success: `{ code: 200, message: "{\"ratelimit\": \"didn't use volume quota\"}", tx_hash,
 * predicted_execution_time_ms }`.
 *
 * Entry point: `txRoutes(venue)`.
 */
import { lighterErrors } from './api-error.js';
import type { LighterRoute } from './router.js';
import { executeTx } from './tx-exec.js';
import { parseTx, signatureShapeOk } from './tx-info.js';
import { type LighterVenue, txHashOf } from './venue.js';

const MAX_TIMESTAMP = 2 ** 48 - 1;
const SKIP_NONCE = 4;

export function txRoutes(venue: LighterVenue): LighterRoute[] {
  return [
    {
      method: 'POST',
      path: '/api/v1/sendTx',
      handle: async (ctx) => {
        const tx = parseTx(ctx.form.tx_type, ctx.form.tx_info);
        const a = venue.accounts.keyed(tx.AccountIndex, tx.ApiKeyIndex);
        if (tx.ExpiredAt < 0 || tx.ExpiredAt > MAX_TIMESTAMP)
          throw lighterErrors.invalidTxInfo('ExpiredAt is invalid');
        if (tx.ExpiredAt < ctx.now) throw lighterErrors.invalidTxInfo('ExpiredAt is in the past');
        if (!signatureShapeOk(tx.Sig))
          throw lighterErrors.invalidTxInfo('Sig must be base64 of an 80-byte signature');
        const skip = tx.attributes.get(SKIP_NONCE) === 1;
        if (tx.Nonce < 0 || !venue.accounts.nonceFits(a, tx.ApiKeyIndex, tx.Nonce, skip))
          throw lighterErrors.invalidNonce();
        venue.accounts.consumeNonce(a, tx.ApiKeyIndex, tx.Nonce, skip);
        await executeTx(venue, a, tx, ctx.now);
        return {
          code: 200,
          message: '{"ratelimit": "didn\'t use volume quota"}',
          tx_hash: txHashOf(`${ctx.form.tx_type}:${ctx.form.tx_info}`),
          predicted_execution_time_ms: ctx.now + 1,
        };
      },
    },
  ];
}
