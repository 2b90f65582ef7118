/**
 * Lighter's transactions (orders, cancels, leverage) and its read tokens are signed by a Go WebAssembly
 * signer (Schnorr over Poseidon2/Goldilocks). ccxt 4.5.84 calls that signer through functions the wasm
 * puts on `globalThis`, and binds against a signer build that is not published on npm. The one signer on
 * npm, in `lighter-ts-sdk` 1.1.0-beta.1, is an older build of the same code (elliottech/lighter-go,
 * poseidon_crypto v0.0.11) with an older ABI:
 *
 *   ccxt calls                                       the npm build has
 *   CreateClient(url, key, chainId, apiKey, account)  CreateClient(key, account, apiKey, chainId)
 *   SignCreateOrder(… 10 order fields, integrator      SignCreateOrder(… 10 order fields, nonce),
 *     account/taker/maker fee, self-trade modes,         signing for the one client created last
 *     skipNonce, nonce, apiKey, account)
 *   every Sign*: returns { txType, txInfo }           returns { txInfo } only
 *   CreateAuthToken(deadline, apiKey, account)        CreateAuthToken(deadline)
 *   SignModifyOrder, SignCreateGroupedOrders, …       absent
 *
 * This module loads the npm build once per process and installs, under ccxt's names, functions that
 * translate: it switches the build's one client to the (api key, account) ccxt names (CreateClient is
 * cheap: about 0.3 ms), fills in the tx type, turns ccxt's "-1 = 28 days" order expiry into a time, and
 * refuses what the old build cannot sign, with the reason: integrator (builder) fees, self-trade modes,
 * and the transactions it lacks. ccxt's `skipNonce` flag is dropped: a transaction carries the exact
 * nonce, which the Lighter dialect takes from the venue's `nextNonce` (`LighterNonces`).
 *
 * Why such a transaction is valid on today's Lighter: a transaction without attributes hashes exactly as
 * before attributes existed (lighter-go `L2TxAttributes.AggregateTxHash` returns the plain hash when the
 * attributes are empty), with the same fields (`OrderInfo` is unchanged), and poseidon_crypto v0.0.11 and
 * v0.0.15 share their hash test vectors. What cannot be checked here, offline: that the venue accepts
 * it; the local Lighter server checks fields, indices and nonces, not the Schnorr signature.
 *
 * Entry points: `loadLighterSigner`, `lighterSignerStatus`, `LIGHTER_TX_TYPES`.
 * Invariants: a private key never leaves this module's table (errors name indices, never keys); a
 * signature is always made by the client of the (api key, account) the call names.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Lighter's tx type numbers (lighter-go `txtypes/constants.go`). */
export const LIGHTER_TX_TYPES = {
  createOrder: 14,
  cancelOrder: 15,
  cancelAllOrders: 16,
  updateLeverage: 20,
} as const;

/** What the npm build puts on `globalThis`. */
interface OldSigner {
  CreateClient(privateKey: string, accountIndex: number, apiKeyIndex: number, chainId: number): SignResult;
  SignCreateOrder(...args: number[]): SignResult;
  SignCancelOrder(marketIndex: number, orderIndex: number, nonce: number): SignResult;
  SignCancelAllOrders(timeInForce: number, time: number, nonce: number): SignResult;
  SignUpdateLeverage(marketIndex: number, fraction: number, marginMode: number, nonce: number): SignResult;
  CreateAuthToken(deadline: number): SignResult;
}

interface SignResult {
  readonly error?: string;
  readonly txInfo?: string;
  readonly authToken?: string;
}

type Shimmed = Record<string, unknown>;

const OLD_NAMES = [
  'CreateClient',
  'GenerateAPIKey',
  'SignCreateOrder',
  'SignCancelOrder',
  'SignCancelAllOrders',
  'SignTransfer',
  'SignUpdateLeverage',
  'SignWithdraw',
  'CreateAuthToken',
  'CheckClient',
] as const;

/** The transactions ccxt can ask for that the npm build cannot sign. */
const UNSIGNABLE = [
  'SignModifyOrder',
  'SignCreateGroupedOrders',
  'SignUpdateMargin',
  'SignApproveIntegrator',
  'SignChangePubKey',
  'SignCreateSubAccount',
  'SignTransfer',
  'SignWithdraw',
  'GenerateAPIKey',
] as const;

const SIGNER_PACKAGE = 'lighter-ts-sdk';
/**
 * The SHA-256 of the two files as reviewed (lighter-ts-sdk 1.1.0-beta.1): the signer holds the API private
 * key and runs with this process's rights, so a file that differs (another version, a tampered copy) is
 * refused before a byte of it runs.
 */
export const SIGNER_SHA256 = {
  'lighter-signer.wasm': '54e869f57ef09a1004780ac8cde411d13dd82f36d2d8a436a739b500cb799653',
  'wasm_exec.js': '0c949f4996f9a89698e4b5c586de32249c3b69b7baadb64d220073cc04acba14',
} as const;
const SIGNER_VERSION = '1.1.0-beta.1';
const TWENTY_EIGHT_DAYS_MS = 28 * 24 * 3600 * 1000;
/** The integrator index lighter-go treats as "none" besides 0. */
const NIL_INTEGRATOR_INDEX = 281474976710655;

let loading: Promise<void> | undefined;

export interface LighterSignerStatus {
  readonly loaded: boolean;
  readonly source: string;
  readonly clients: number;
}

class ClientTable {
  private readonly keys = new Map<string, { privateKey: string; chainId: number }>();
  private active: string | undefined;

  constructor(private readonly old: OldSigner) {}

  get size(): number {
    return this.keys.size;
  }

  create(privateKey: string, chainId: number, apiKeyIndex: number, accountIndex: number): SignResult {
    const id = `${accountIndex}/${apiKeyIndex}`;
    const res = this.old.CreateClient(stripHex(privateKey), accountIndex, apiKeyIndex, chainId);
    if (res.error) return { error: `CreateClient for account ${id}: ${redactKey(res.error, privateKey)}` };
    this.keys.set(id, { privateKey, chainId });
    this.active = id;
    return {};
  }

  /** Makes the (api key, account) client the one the build signs with; an error when it was never created. */
  use(apiKeyIndex: unknown, accountIndex: unknown): string | null {
    const id = `${Number(accountIndex)}/${Number(apiKeyIndex)}`;
    if (this.active === id) return null;
    const key = this.keys.get(id);
    if (!key) return `client is not created for apiKeyIndex: ${apiKeyIndex} accountIndex: ${accountIndex}`;
    const res = this.old.CreateClient(
      stripHex(key.privateKey),
      Number(accountIndex),
      Number(apiKeyIndex),
      key.chainId,
    );
    if (res.error) return redactKey(res.error, key.privateKey);
    this.active = id;
    return null;
  }
}

let table: ClientTable | undefined;

function stripHex(key: string): string {
  return key.startsWith('0x') ? key.slice(2) : key;
}

function redactKey(text: string, key: string): string {
  return key ? text.split(stripHex(key)).join('<redacted>') : text;
}

function signed(txType: number, res: SignResult): { txType?: number; txInfo?: string; error?: string } {
  if (res.error || res.txInfo === undefined) return { error: res.error || 'the signer returned no txInfo' };
  return { txType, txInfo: res.txInfo };
}

function unsupported(name: string, why: string): () => { error: string } {
  return () => ({
    error: `${name}: ${why} (the bundled signer is ${SIGNER_PACKAGE} ${SIGNER_VERSION}, an older build than ccxt binds against)`,
  });
}

/** Integrator fees and self-trade modes are transaction attributes the old build cannot sign. */
function attributeError(
  integratorAccount: number,
  takerFee: number,
  makerFee: number,
  selfTradeBehaviour: number,
  selfTradeEquality: number,
): string | null {
  if (
    takerFee !== 0 ||
    makerFee !== 0 ||
    (integratorAccount !== 0 && integratorAccount !== NIL_INTEGRATOR_INDEX)
  )
    return 'integrator (builder) fees cannot be signed: set the ccxt option builderFee to false';
  if (selfTradeBehaviour !== 0 || selfTradeEquality !== 0)
    return 'self-trade modes other than the default cannot be signed';
  return null;
}

function install(old: OldSigner): void {
  const clients = new ClientTable(old);
  table = clients;
  const g = globalThis as unknown as Shimmed;
  /** Signs with the client of the (api key, account) the call names, or says why it cannot. */
  const as = (apiKeyIndex: unknown, accountIndex: unknown, txType: number, sign: () => SignResult) => {
    const error = clients.use(apiKeyIndex, accountIndex);
    return error ? { error } : signed(txType, sign());
  };
  g.CreateClient = (
    _url: string,
    privateKey: string,
    chainId: number,
    apiKeyIndex: number,
    accountIndex: number,
  ) => clients.create(privateKey, chainId, apiKeyIndex, accountIndex);
  g.CheckClient = (apiKeyIndex: number, accountIndex: number) => {
    const error = clients.use(apiKeyIndex, accountIndex);
    return error ? { error } : {};
  };
  g.SignCreateOrder = (...a: number[]) => {
    const [market, clientIndex, base, price, isAsk, type, tif, reduceOnly, trigger, expiry] = a as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const attr = attributeError(a[10] ?? 0, a[11] ?? 0, a[12] ?? 0, a[13] ?? 0, a[14] ?? 0);
    if (attr) return { error: `SignCreateOrder: ${attr}` };
    const [nonce, apiKeyIndex, accountIndex] = [a[16], a[17], a[18]];
    const orderExpiry = expiry === -1 ? Date.now() + TWENTY_EIGHT_DAYS_MS : expiry;
    return as(apiKeyIndex, accountIndex, LIGHTER_TX_TYPES.createOrder, () =>
      old.SignCreateOrder(
        market,
        clientIndex,
        base,
        price,
        isAsk,
        type,
        tif,
        reduceOnly,
        trigger,
        orderExpiry,
        Number(nonce),
      ),
    );
  };
  g.SignCancelOrder = (
    market: number,
    orderIndex: number,
    _skipNonce: number,
    nonce: number,
    apiKeyIndex: number,
    accountIndex: number,
  ) => {
    return as(apiKeyIndex, accountIndex, LIGHTER_TX_TYPES.cancelOrder, () =>
      old.SignCancelOrder(market, orderIndex, nonce),
    );
  };
  g.SignCancelAllOrders = (
    timeInForce: number,
    time: number,
    marketIndex: number,
    _skipNonce: number,
    nonce: number,
    apiKeyIndex: number,
    accountIndex: number,
  ) => {
    if (marketIndex !== undefined && marketIndex !== 255)
      return { error: 'SignCancelAllOrders: cancelling one market only cannot be signed (every market can)' };
    return as(apiKeyIndex, accountIndex, LIGHTER_TX_TYPES.cancelAllOrders, () =>
      old.SignCancelAllOrders(timeInForce, time, nonce),
    );
  };
  g.SignUpdateLeverage = (
    market: number,
    fraction: number,
    marginMode: number,
    _skipNonce: number,
    nonce: number,
    apiKeyIndex: number,
    accountIndex: number,
  ) => {
    return as(apiKeyIndex, accountIndex, LIGHTER_TX_TYPES.updateLeverage, () =>
      old.SignUpdateLeverage(market, fraction, marginMode, nonce),
    );
  };
  g.CreateAuthToken = (deadline: number, apiKeyIndex: number, accountIndex: number) => {
    const error = clients.use(apiKeyIndex, accountIndex);
    if (error) return { error };
    const res = old.CreateAuthToken(deadline);
    return res.error || !res.authToken
      ? { error: res.error || 'no auth token' }
      : { authToken: res.authToken };
  };
  for (const name of UNSIGNABLE)
    g[name] = unsupported(name, 'this transaction cannot be signed offline here');
}

/**
 * The folder holding `wasm_exec.js` and `lighter-signer.wasm`: `GRIDBOT_LIGHTER_SIGNER_DIR` (a Lambda
 * bundle ships them beside its code), else the installed package's `wasm/`.
 */
function signerDir(): string {
  const given = process.env.GRIDBOT_LIGHTER_SIGNER_DIR;
  if (given) return given;
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(`${SIGNER_PACKAGE}/package.json`)), 'wasm');
}

async function pinned(dir: string, name: keyof typeof SIGNER_SHA256): Promise<Buffer> {
  const bytes = await readFile(join(dir, name));
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (hash !== SIGNER_SHA256[name])
    throw new Error(
      `${join(dir, name)} is not the reviewed ${SIGNER_PACKAGE} ${SIGNER_VERSION} file (sha256 ${hash}): refusing to load a signer that would hold the API key`,
    );
  return bytes;
}

async function load(): Promise<void> {
  const dir = signerDir();
  await pinned(dir, 'wasm_exec.js');
  const g = globalThis as unknown as Shimmed & { Go?: new () => GoRuntime };
  await import(pathToFileURL(join(dir, 'wasm_exec.js')).href);
  if (!g.Go) throw new Error(`${SIGNER_PACKAGE}: wasm_exec.js did not define Go`);
  const go = new g.Go();
  const bytes = await pinned(dir, 'lighter-signer.wasm');
  const { instance } = await wasm().instantiate(bytes, go.importObject);
  void go.run(instance);
  const old: Record<string, unknown> = {};
  for (const name of OLD_NAMES) {
    old[name] = g[name];
    delete g[name];
  }
  for (const name of ['CreateClient', 'SignCreateOrder', 'CreateAuthToken'] as const)
    if (typeof old[name] !== 'function') throw new Error(`${SIGNER_PACKAGE}: the signer has no ${name}`);
  install(old as unknown as OldSigner);
}

/** Node's WebAssembly, typed as far as this module uses it (the project's lib has no DOM types). */
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: unknown): Promise<{ instance: unknown }>;
}
const wasm = (): WasmApi => (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface GoRuntime {
  readonly importObject: unknown;
  run(instance: unknown): Promise<void>;
}

/** Loads the signer and installs ccxt's functions (once per process; later calls wait for the first). */
export function loadLighterSigner(): Promise<void> {
  loading ??= load().catch((e: unknown) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

export function lighterSignerStatus(): LighterSignerStatus {
  return {
    loaded: table !== undefined,
    source: `${SIGNER_PACKAGE} ${SIGNER_VERSION} (wasm)`,
    clients: table?.size ?? 0,
  };
}
