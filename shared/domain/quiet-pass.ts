/**
 * A quiet recon pass: one that sends nothing, found nothing, applied no fill, has nothing to journal and
 * changed the state only in what every pass refreshes (its time, the price it saw, what it derives from
 * that price again: the strategy's `reconVolatile` paths, the Key Level Grid's level roles among them).
 * Such a pass is not written: the stored state keeps the previous values of those fields, and nothing
 * decides on them. It is written all the same once the stored copy is `refreshMs` old, so what other
 * readers value at the last price (the account-wide exposure of other processes, a status) is never older
 * than that.
 *
 * Most passes of a resting grid are quiet (38,851 of the 43,199 passes of a month of BTCUSDT in
 * `npm run bench -- sim --exact` are not written): not writing them saves a conditional write per pass
 * live (DynamoDB cost) and part of the store time of a replay on the embedded DynamoDB. A pass is written
 * when the price moved 0.5% from the stored one, so what other processes value at the stored price is
 * never further off than that.
 *
 * Entry points: `isQuietPass`, `passOutcome`, `sameExcept`.
 */

import { compareDec, Decimal } from './money.js';

/** A quiet pass is written anyway once the stored copy is this old (ms). */
export const QUIET_REFRESH_MS = 10 * 60_000;

/**
 * ...or once the price moved this far from the stored copy's: other processes value this instance's
 * holdings at the stored price (the account-wide notional and leverage caps), never more than this off.
 */
export const QUIET_MAX_PRICE_MOVE = new Decimal('0.005');

export interface QuietPassInput<
  S extends { readonly updatedAt: number; readonly lastPrice?: Decimal | null },
> {
  readonly before: S;
  readonly after: S;
  /** Commands the pass decided (alerts included), and stops it found live that it had not seen confirmed. */
  readonly commands: number;
  readonly stopsFound: number;
  readonly fillsApplied: number;
  /** Fills the state lists as not yet journaled (after the pass). */
  readonly unjournaled: number;
  /** Dotted paths every pass refreshes; absent: the strategy writes every pass. */
  readonly volatile: readonly string[] | undefined;
  readonly now: number;
  readonly refreshMs?: number;
}

export function isQuietPass<S extends { readonly updatedAt: number; readonly lastPrice?: Decimal | null }>(
  i: QuietPassInput<S>,
): boolean {
  return passOutcome(i) === 'quiet';
}

/**
 * What a pass did: `changed` (it decided something, or changed the state beyond its volatile paths),
 * `settled` (it decided nothing, but it is written: the stored copy is due a refresh or the price moved),
 * `quiet` (settled and not written).
 */
export type PassOutcome = 'changed' | 'settled' | 'quiet';

export function passOutcome<S extends { readonly updatedAt: number; readonly lastPrice?: Decimal | null }>(
  i: QuietPassInput<S>,
): PassOutcome {
  if (!i.volatile) return 'changed';
  if (i.commands > 0 || i.stopsFound > 0 || i.fillsApplied > 0 || i.unjournaled > 0) return 'changed';
  if (!sameExcept(i.before, i.after, i.volatile)) return 'changed';
  if (i.now - i.before.updatedAt >= (i.refreshMs ?? QUIET_REFRESH_MS)) return 'settled';
  return priceMoved(i.before.lastPrice ?? null, i.after.lastPrice ?? null) ? 'settled' : 'quiet';
}

/** The price moved more than `QUIET_MAX_PRICE_MOVE` from the stored one (or one of them is unknown). */
function priceMoved(stored: Decimal | null, now: Decimal | null): boolean {
  if (stored === null || now === null) return stored !== now;
  if (!stored.greaterThan(0)) return !now.equals(stored);
  return now.minus(stored).abs().dividedBy(stored).greaterThan(QUIET_MAX_PRICE_MOVE);
}

/**
 * Deep equality of two states but at the given dotted paths (`*` for every element of an array:
 * `levels.*.role`). Decimals are equal when they hold the same value and sign (a stored `-0` and `0`
 * differ); arrays by element; plain objects by key.
 */
export function sameExcept(a: unknown, b: unknown, paths: readonly string[]): boolean {
  return equal(a, b, skipTreeOf(paths));
}

/** The dotted paths as a tree of keys (`true` at a skipped leaf), built once per paths array. */
const skipTrees = new WeakMap<readonly string[], Map<string, unknown>>();

function skipTreeOf(paths: readonly string[]): Map<string, unknown> {
  const known = skipTrees.get(paths);
  if (known) return known;
  const tree = new Map<string, unknown>();
  for (const p of paths) {
    let node = tree;
    const parts = p.split('.');
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node.set(part, true);
      else {
        let next = node.get(part);
        if (!(next instanceof Map)) {
          next = new Map<string, unknown>();
          node.set(part, next);
        }
        node = next as Map<string, unknown>;
      }
    });
  }
  skipTrees.set(paths, tree);
  return tree;
}

/** Two Decimals hold the same value with the same sign (a `-0` and a `0` differ); compared in place. */
function sameDecimal(x: Decimal, y: Decimal): boolean {
  return compareDec(x, y) === 0 && x.isNegative() === y.isNegative();
}

function equal(a: unknown, b: unknown, skip: Map<string, unknown> | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  // Our Decimals are instances of money.ts's class (the fast test); another clone's, by its tag.
  const ad = a instanceof Decimal || (!Array.isArray(a) && a.constructor !== Object && Decimal.isDecimal(a));
  const bd = b instanceof Decimal || (!Array.isArray(b) && b.constructor !== Object && Decimal.isDecimal(b));
  if (ad || bd) return ad && bd && sameDecimal(a as Decimal, b as Decimal);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    // `*` in a path stands for every element of an array.
    const each = skip === null ? undefined : skip.get('*');
    if (each === true) return true;
    const rule = each instanceof Map ? each : null;
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i], rule)) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k in ao) if (!sameAt(ao, bo, k, skip)) return false;
  // Keys only `b` has (those both have were compared above).
  for (const k in bo) if (!(k in ao) && !sameAt(ao, bo, k, skip)) return false;
  return true;
}

function sameAt(
  ao: Record<string, unknown>,
  bo: Record<string, unknown>,
  k: string,
  skip: Map<string, unknown> | null,
): boolean {
  const rule = skip === null ? undefined : skip.get(k);
  if (rule === true) return true;
  const av = ao[k];
  const bv = bo[k];
  // An absent key and an undefined value store alike.
  if (av === undefined && bv === undefined) return true;
  return equal(av, bv, rule instanceof Map ? rule : null);
}
