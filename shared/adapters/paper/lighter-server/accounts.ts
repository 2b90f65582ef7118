/**
 * The Lighter accounts the server knows: each engine account has a Lighter `account_index`, the API key
 * indexes registered on it, and a made-up L1 address. Each (account, API key) pair has its own nonce, as
 * on Lighter: a tx must carry exactly the next one, and accepting it consumes it.
 *
 * A tx with the "skip nonce" attribute (`L2TxAttributes["4"] = 1`, what ccxt's signer sets, with the
 * current time in ms as the nonce) is not held to the sequence: Lighter does not document the rule for
 * those, so here such a nonce only has to be new for its key, and the sequence does not move.
 *
 * Auth tokens (`Authorization` header or `auth` query parameter of private GETs) read
 * `<deadline s>:<account_index>:<api_key_index>:<160 hex signature>`. The signature is a Schnorr signature
 * over the Poseidon hash of the first three fields; this server cannot verify it (no Poseidon/ECgFp5 here)
 * and checks its shape only. The deadline may be at most 8 hours ahead, as on Lighter.
 *
 * Entry points: `LighterAccounts` (`byIndex`, `byL1Address`, `ofEngine`, `keyed`, `nextNonce`, `nonceFits`,
 * `consumeNonce`, `authenticate`).
 */
import { createHash } from 'node:crypto';
import type { PaperExchange } from '../engine.js';
import { lighterErrors } from './api-error.js';

export interface LighterAccountSpec {
  /** The engine account id. */
  readonly account: string;
  /** Its Lighter `account_index`. */
  readonly index: number;
  /** The `api_key_index` values registered on it (0–254). */
  readonly apiKeys: readonly number[];
}

export interface LighterAccount {
  readonly account: string;
  readonly index: number;
  readonly apiKeys: ReadonlySet<number>;
  readonly l1Address: string;
}

const MAX_ACCOUNT_INDEX = 281474976710654;
const AUTH_MAX_AHEAD_MS = 8 * 3_600_000;

export class LighterAccounts {
  private readonly byAccountIndex = new Map<number, LighterAccount>();
  private readonly nonces = new Map<string, number>();
  private readonly skipped = new Map<string, Set<number>>();

  constructor(
    engine: PaperExchange,
    specs: readonly LighterAccountSpec[],
    private readonly firstNonce: number,
  ) {
    const known = new Set(engine.accountIds());
    for (const s of specs) {
      if (!known.has(s.account))
        throw new Error(`lighter account ${s.index}: no engine account ${s.account}`);
      if (!Number.isSafeInteger(s.index) || s.index < 0 || s.index > MAX_ACCOUNT_INDEX)
        throw new Error(`lighter account ${s.account}: account index ${s.index} is out of range`);
      if (this.byAccountIndex.has(s.index) || this.ofEngine(s.account))
        throw new Error(`lighter account ${s.account} (${s.index}) is configured twice`);
      for (const k of s.apiKeys)
        if (!Number.isInteger(k) || k < 0 || k > 254)
          throw new Error(`lighter account ${s.account}: api key index ${k} is out of range (0–254)`);
      const l1 = createHash('sha256').update(`paper-lighter:${s.account}`).digest('hex').slice(0, 40);
      this.byAccountIndex.set(s.index, {
        account: s.account,
        index: s.index,
        apiKeys: new Set(s.apiKeys),
        l1Address: `0x${l1}`,
      });
    }
  }

  all(): LighterAccount[] {
    return [...this.byAccountIndex.values()];
  }

  byIndex(index: number): LighterAccount | undefined {
    return this.byAccountIndex.get(index);
  }

  byL1Address(address: string): LighterAccount | undefined {
    return this.all().find((a) => a.l1Address === address.toLowerCase());
  }

  ofEngine(accountId: string): LighterAccount | undefined {
    return this.all().find((a) => a.account === accountId);
  }

  /** The account of a registered (account, api key) pair, or 21100 / 21109. */
  keyed(accountIndex: number, apiKeyIndex: number): LighterAccount {
    const a = this.byAccountIndex.get(accountIndex);
    if (!a) throw lighterErrors.accountNotFound();
    if (!a.apiKeys.has(apiKeyIndex)) throw lighterErrors.apiKeyNotFound();
    return a;
  }

  nextNonce(a: LighterAccount, apiKeyIndex: number): number {
    return this.nonces.get(`${a.index}:${apiKeyIndex}`) ?? this.firstNonce;
  }

  /** Whether a tx nonce is acceptable now (see the header for skip-nonce txs). */
  nonceFits(a: LighterAccount, apiKeyIndex: number, nonce: number, skip: boolean): boolean {
    if (skip) return !(this.skipped.get(`${a.index}:${apiKeyIndex}`)?.has(nonce) ?? false);
    return nonce === this.nextNonce(a, apiKeyIndex);
  }

  consumeNonce(a: LighterAccount, apiKeyIndex: number, nonce: number, skip: boolean): void {
    const key = `${a.index}:${apiKeyIndex}`;
    if (!skip) {
      this.nonces.set(key, nonce + 1);
      return;
    }
    let used = this.skipped.get(key);
    if (!used) {
      used = new Set();
      this.skipped.set(key, used);
    }
    used.add(nonce);
  }

  /** The account an auth token opens, checked to be `accountIndex`; otherwise a 401. */
  authenticate(token: string | undefined, accountIndex: number, now: number): LighterAccount {
    if (!token) throw lighterErrors.unauthorized('auth token missing');
    const m = /^(\d{1,12}):(\d{1,16}):(\d{1,3}):([0-9a-fA-F]{160})$/.exec(token);
    if (!m) throw lighterErrors.unauthorized('malformed auth token');
    const [deadline, tokenAccount, apiKey] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const a = this.byAccountIndex.get(tokenAccount);
    if (!a) throw lighterErrors.unauthorized(`account ${tokenAccount} not found`);
    if (!a.apiKeys.has(apiKey)) throw lighterErrors.unauthorized(`api key ${apiKey} not found`);
    if (deadline * 1000 < now) throw lighterErrors.unauthorized('auth token expired');
    if (deadline * 1000 - now > AUTH_MAX_AHEAD_MS)
      throw lighterErrors.unauthorized('auth token deadline is more than 8 hours ahead');
    if (tokenAccount !== accountIndex)
      throw lighterErrors.unauthorized(
        `the token of account ${tokenAccount} cannot read account ${accountIndex}`,
      );
    return a;
  }
}
