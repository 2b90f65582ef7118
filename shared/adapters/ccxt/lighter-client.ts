/**
 * What the ccxt `lighter` class needs around it to trade for one account, as a subclass of it:
 *
 *  - **The signer**: ccxt would load a signer binary from `options.libraryPath`; instead `loadAccount` loads
 *    the bundled one (`lighter-signer.ts`) once per process and creates this account's client in it from
 *    the API private key (the ccxt `secret`). No L1 (wallet) key is ever given to ccxt: nothing here can
 *    change API keys, approve integrators or withdraw.
 *  - **Nonces**: every transaction carries the next nonce of its (account, API key), read from the venue's
 *    `nextNonce` just before it is signed, one transaction at a time per account (a second waits for the
 *    first's answer), so this process never sends two with one nonce or out of order. Another process with
 *    the same key (a Lambda, the CLI) can take a nonce in between: the venue refuses the later one (21104,
 *    nothing happened), and it goes again once with the next nonce.
 *  - **No builder fee**: ccxt's default integrator fee is off (`builderFee: false`).
 *  - **Read tokens for 6 hours**: the bundled signer refuses more than 7 (ccxt asks for 8).
 *
 * Entry points: `lighterClientClass`, `LighterCredentials`.
 */
import type { Exchange } from 'ccxt';
import { loadLighterSigner } from './lighter-signer.js';

export interface LighterCredentials {
  readonly accountIndex: number;
  readonly apiKeyIndex: number;
  /** The one instance this account carries: its client order ids pack into Lighter's (`lighter-ids.ts`). */
  readonly instanceId?: string | undefined;
}

type Ctor = new (config: Record<string, unknown>) => Exchange;
type AnyFn = (...args: unknown[]) => Promise<unknown>;

/** Lighter's chain ids (ccxt: 304 mainnet, 300 testnet). */
const chainIdOf = (ex: Exchange): number => Number((ex.options as Record<string, unknown>).chainId ?? 304);

/** ccxt options for one Lighter account. */
export function lighterOptions(creds: LighterCredentials): Record<string, unknown> {
  return {
    accountIndex: creds.accountIndex,
    apiKeyIndex: creds.apiKeyIndex,
    builderFee: false,
    marginMode: 'cross',
    // The bundled signer refuses read tokens valid for more than 7 hours (ccxt asks for 8).
    authDeadlineExpiry: 6 * 3600,
  };
}

const SENDS = ['createOrder', 'cancelOrder', 'cancelAllOrders', 'modifyLeverageAndMarginMode'] as const;

export function lighterClientClass(Base: Ctor): Ctor {
  class LighterClient extends Base {
    #queue: Promise<unknown> = Promise.resolve();

    constructor(config: Record<string, unknown>) {
      super(config);
      for (const name of SENDS) {
        const original = (this as unknown as Record<string, AnyFn>)[name]!.bind(this);
        (this as unknown as Record<string, AnyFn>)[name] = (...args: unknown[]) =>
          this.#oneAtATime(() => original(...args));
      }
    }

    #oneAtATime<T>(send: () => Promise<T>): Promise<T> {
      const run = this.#queue.then(async () => {
        try {
          return await send();
        } catch (e) {
          // A nonce refusal means nothing happened (another process of this key sent in between): the
          // transaction goes again once, with the nonce the venue says is next.
          if (e instanceof Error && /21104|invalid nonce/i.test(e.message)) return await send();
          throw e;
        }
      });
      this.#queue = run.catch(() => undefined);
      return run;
    }

    /**
     * ccxt asks for a nonce per transaction (inside `#oneAtATime`): the venue's next, read every time. A
     * count kept here would go stale whenever another process (a Lambda, the CLI) sends with the same key.
     */
    async fetchNonce(accountIndex: unknown, apiKeyIndex: unknown, params: Record<string, unknown> = {}) {
      if (params.nonce !== undefined) return Number(params.nonce);
      const api = this as unknown as { publicGetNextNonce(p: Record<string, unknown>): Promise<unknown> };
      const body = (await api.publicGetNextNonce({
        account_index: accountIndex,
        api_key_index: apiKeyIndex,
      })) as { nonce?: unknown };
      const next = Number(body.nonce);
      if (!Number.isSafeInteger(next) || next < 0)
        throw new Error(`lighter nextNonce answered ${JSON.stringify(body.nonce)}: not a nonce`);
      return next;
    }

    /** The bundled signer instead of ccxt's binary loading; the account's client is created once. */
    async loadAccount(_chainId: unknown, _l1Key: unknown, apiKeyIndex: unknown, accountIndex: unknown) {
      const self = this as unknown as {
        initAuthObject(a: unknown, k: unknown): void;
        options: { auths: Record<string, Record<string, { signer?: unknown }>> };
        secret: string | undefined;
      };
      self.initAuthObject(accountIndex, apiKeyIndex);
      const auth = self.options.auths[String(accountIndex)]![String(apiKeyIndex)]!;
      if (auth.signer !== undefined) return auth.signer;
      if (!self.secret) throw new Error('lighter: no API private key for this account');
      await loadLighterSigner();
      const create = (globalThis as unknown as { CreateClient: (...a: unknown[]) => { error?: string } })
        .CreateClient;
      const res = create('', self.secret, chainIdOf(this), Number(apiKeyIndex), Number(accountIndex));
      if (res.error)
        throw new Error(`lighter signer refused the API key of account ${accountIndex}: ${res.error}`);
      auth.signer = {};
      return auth.signer;
    }
  }
  return LighterClient as unknown as Ctor;
}
