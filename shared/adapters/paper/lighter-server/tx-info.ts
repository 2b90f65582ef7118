/**
 * `sendTx` payloads: `tx_type` and `tx_info`, the JSON Lighter's Go signer (elliottech/lighter-go,
 * `types/txtypes`) marshals with its Go field names, e.g. for a CreateOrder (type 14):
 *   {"AccountIndex":777,"ApiKeyIndex":2,"MarketIndex":1,"ClientOrderIndex":42,"BaseAmount":1000,
 *    "Price":350000,"IsAsk":0,"Type":0,"TimeInForce":1,"ReduceOnly":0,"TriggerPrice":0,
 *    "OrderExpiry":1798981314292,"ExpiredAt":1796562713293,"Nonce":7,"Sig":"<base64>",
 *    "L2TxAttributes":null}
 * `L2TxAttributes` is null or a map of attribute type → value ("1" integrator account, "2"/"3" integrator
 * taker/maker fee, "4" skip nonce, "5" cancel-all market, "6"/"7" self-trade modes), checked as the Go
 * `L2TxAttributes.Validate` does.
 *
 * Supported types: 14 CreateOrder, 15 CancelOrder, 16 CancelAllOrders, 20 UpdateLeverage.
 *
 * Entry point: `parseTx(txType, txInfo)`. A `tx_info` that is not a JSON object, lacks a field of its type,
 * or holds a value its Go field could not (not an integer, beyond the field's width) is 21501, as Go's
 * unmarshalling would fail; an unknown `tx_type` is 21505. Integers beyond 2^53 are refused as 21501 (they
 * do not survive JSON parsing here; no field this server issues comes near).
 */
import { lighterErrors } from './api-error.js';

export const TX_CREATE_ORDER = 14;
export const TX_CANCEL_ORDER = 15;
export const TX_CANCEL_ALL_ORDERS = 16;
export const TX_UPDATE_LEVERAGE = 20;

interface TxCommon {
  readonly AccountIndex: number;
  readonly ApiKeyIndex: number;
  readonly ExpiredAt: number;
  readonly Nonce: number;
  readonly Sig: string;
  /** Attribute type → value (absent ones omitted). */
  readonly attributes: ReadonlyMap<number, number>;
}

export interface CreateOrderTx extends TxCommon {
  readonly txType: typeof TX_CREATE_ORDER;
  readonly MarketIndex: number;
  readonly ClientOrderIndex: number;
  readonly BaseAmount: number;
  readonly Price: number;
  readonly IsAsk: number;
  readonly Type: number;
  readonly TimeInForce: number;
  readonly ReduceOnly: number;
  readonly TriggerPrice: number;
  readonly OrderExpiry: number;
}

export interface CancelOrderTx extends TxCommon {
  readonly txType: typeof TX_CANCEL_ORDER;
  readonly MarketIndex: number;
  readonly Index: number;
}

export interface CancelAllOrdersTx extends TxCommon {
  readonly txType: typeof TX_CANCEL_ALL_ORDERS;
  readonly TimeInForce: number;
  readonly Time: number;
}

export interface UpdateLeverageTx extends TxCommon {
  readonly txType: typeof TX_UPDATE_LEVERAGE;
  readonly MarketIndex: number;
  readonly InitialMarginFraction: number;
  readonly MarginMode: number;
}

export type LighterTx = CreateOrderTx | CancelOrderTx | CancelAllOrdersTx | UpdateLeverageTx;

type Width = 'u8' | 'u16' | 'u32' | 'i16' | 'i64';
const RANGE: Readonly<Record<Width, readonly [number, number]>> = {
  u8: [0, 255],
  u16: [0, 65_535],
  u32: [0, 4_294_967_295],
  i16: [-32_768, 32_767],
  i64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

const COMMON: Readonly<Record<string, Width>> = {
  AccountIndex: 'i64',
  ApiKeyIndex: 'u8',
  ExpiredAt: 'i64',
  Nonce: 'i64',
};

const FIELDS: Readonly<Record<number, Readonly<Record<string, Width>>>> = {
  [TX_CREATE_ORDER]: {
    MarketIndex: 'i16',
    ClientOrderIndex: 'i64',
    BaseAmount: 'i64',
    Price: 'u32',
    IsAsk: 'u8',
    Type: 'u8',
    TimeInForce: 'u8',
    ReduceOnly: 'u8',
    TriggerPrice: 'u32',
    OrderExpiry: 'i64',
  },
  [TX_CANCEL_ORDER]: { MarketIndex: 'i16', Index: 'i64' },
  [TX_CANCEL_ALL_ORDERS]: { TimeInForce: 'u8', Time: 'i64' },
  [TX_UPDATE_LEVERAGE]: { MarketIndex: 'i16', InitialMarginFraction: 'u16', MarginMode: 'u8' },
};

/** Attribute type → [min, max] (Go `AttributeTypeToConfig`). */
const ATTRIBUTE_RANGE: ReadonlyMap<number, readonly [number, number]> = new Map([
  [1, [0, 281474976710654]],
  [2, [0, 1_000_000]],
  [3, [0, 1_000_000]],
  [4, [1, 1]],
  [5, [0, 255]],
  [6, [0, 3]],
  [7, [0, 1]],
] as const);

function integerField(info: Record<string, unknown>, name: string, width: Width): number {
  const v = info[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw lighterErrors.invalidTxInfo(`${name} must be an integer`);
  const [min, max] = RANGE[width];
  if (v < min || v > max) throw lighterErrors.invalidTxInfo(`${name} is out of range`);
  return v;
}

function attributesOf(raw: unknown): Map<number, number> {
  const out = new Map<number, number>();
  if (raw === null || raw === undefined) return out;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw lighterErrors.invalidTxInfo('L2TxAttributes must be an object');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > 4) throw lighterErrors.invalidTxInfo('too many attributes');
  for (const [k, v] of entries) {
    const type = /^\d{1,3}$/.test(k) ? Number(k) : Number.NaN;
    const range = ATTRIBUTE_RANGE.get(type);
    if (!range) throw lighterErrors.invalidTxInfo(`attribute type ${k} is invalid`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < range[0] || v > range[1])
      throw lighterErrors.invalidTxInfo(`attribute ${k} is out of range`);
    out.set(type, v);
  }
  const hasFees = (out.get(2) ?? 0) !== 0 || (out.get(3) ?? 0) !== 0;
  if (hasFees && (out.get(1) ?? 0) === 0)
    throw lighterErrors.invalidTxInfo('integrator fees need an integrator account index');
  if (hasFees && ((out.get(6) ?? 0) !== 0 || (out.get(7) ?? 0) !== 0))
    throw lighterErrors.invalidTxInfo('self-trade specification is not allowed with integrator fees');
  return out;
}

/** The tx of a `sendTx` body (see the header for the errors). */
export function parseTx(txType: string | undefined, txInfo: string | undefined): LighterTx {
  let info: unknown;
  try {
    info = JSON.parse(txInfo ?? '');
  } catch {
    throw lighterErrors.invalidTxInfo('tx_info is not JSON');
  }
  if (info === null || typeof info !== 'object' || Array.isArray(info))
    throw lighterErrors.invalidTxInfo('tx_info must be a JSON object');
  const type = /^\d{1,3}$/.test(txType ?? '') ? Number(txType) : Number.NaN;
  const fields = FIELDS[type];
  if (!fields) throw lighterErrors.unsupportedTxType();
  const record = info as Record<string, unknown>;
  const out: Record<string, unknown> = { txType: type };
  for (const [name, width] of Object.entries({ ...COMMON, ...fields }))
    out[name] = integerField(record, name, width);
  if (typeof record.Sig !== 'string') throw lighterErrors.invalidTxInfo('Sig must be a base64 string');
  out.Sig = record.Sig;
  out.attributes = attributesOf(record.L2TxAttributes);
  return out as unknown as LighterTx;
}

/** Whether `Sig` is base64 of the 80 bytes of a Lighter Schnorr signature (the signature is not verified). */
export function signatureShapeOk(sig: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sig) || sig.length % 4 !== 0) return false;
  return Buffer.from(sig, 'base64').length === 80;
}
