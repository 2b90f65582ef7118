/**
 * The hedge grid's pre-flight (SPEC §3.3), before an instance first trades: both accounts reachable, in
 * hedge mode (turned on where the account allows it), no position on the legs and no open order of ours,
 * balances within `preflight.balance_tolerance_pct` of each other — moved between the accounts when they
 * differ and the venue and keys allow it (`ExchangePort.transferTo`), else refused naming the amounts.
 * Every problem names its cause and the fix. An instance already trading (it has state) is checked for
 * reachability and hedge mode only: its positions are its own.
 */
import { decodeClientOrderId } from '../../../domain/client-order-id.js';
import { type Decimal, dec, ZERO } from '../../../domain/money.js';
import type { HedgeGridConfig } from '../../../domain/strategies/hedge-grid/config.js';
import { hedgeLegs } from '../../../domain/strategies/hedge-grid/module.js';
import type { AppContext } from '../../context.js';
import { settleAssetOf } from '../../market.js';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The pause reason of an instance whose start the pre-flight refused (it has state, but never traded). */
export const PREFLIGHT_PAUSE = 'preflight: ';

/** Balances apart by more than the tolerance: |a − b| / max(a, b). */
export function balanceGap(a: Decimal, b: Decimal): Decimal {
  const top = a.greaterThan(b) ? a : b;
  return top.greaterThan(0) ? a.minus(b).abs().dividedBy(top) : ZERO;
}

export interface HedgePreflightReport {
  readonly problems: string[];
  /** What it did on the way: hedge mode turned on, funds moved. */
  readonly actions: string[];
}

export async function hedgePreflight(
  ctx: AppContext,
  config: HedgeGridConfig,
): Promise<HedgePreflightReport> {
  const problems: string[] = [];
  const actions: string[] = [];
  const held = await ctx.store.loadGrid(config.id);
  const started = held !== null && !(held.paused && held.pauseReason?.startsWith(PREFLIGHT_PAUSE));
  const asset = settleAssetOf(config.symbol);
  const balances = new Map<string, Decimal>();
  for (const leg of hedgeLegs(config)) {
    const ex = ctx.exchanges(leg.account);
    const where = `accounts.${leg.role} ("${leg.account}")`;
    try {
      if (!(await ex.hedgeMode())) {
        try {
          await ex.setHedgeMode(true);
          actions.push(`turned on hedge (dual-side) mode on account "${leg.account}"`);
        } catch (e) {
          problems.push(
            `${where} is in one-way mode and refused the switch (${errorText(e)}): close its positions and orders, then turn on the dual-side position mode`,
          );
        }
      }
      if (!started) {
        const position = await ex.position(leg.symbol, leg.positionSide);
        if (!position.qty.isZero())
          problems.push(
            `${where} holds a ${leg.positionSide} position of ${position.qty.abs().toFixed()} on ${leg.symbol}: the grid starts flat; close it first`,
          );
        const ours = (await ex.openOrders(leg.symbol)).filter(
          (o) => decodeClientOrderId(o.clientOrderId)?.instanceId === config.id,
        );
        if (ours.length > 0)
          problems.push(
            `${where} has ${ours.length} open order(s) of instance ${config.id} on ${leg.symbol}: cancel them (close-all) first`,
          );
      }
      balances.set(leg.role, (await ex.balance(asset)).available);
    } catch (e) {
      problems.push(`${where} could not be reached: ${errorText(e)}`);
    }
  }
  const a = balances.get('long');
  const b = balances.get('short');
  // Funds move only for a start nothing else refuses (a refused start moves nothing).
  if (!started && config.accounts.short && a && b && problems.length === 0) {
    const tolerance = config.preflight.balance_tolerance_pct;
    const gap = balanceGap(a, b);
    if (gap.greaterThan(tolerance)) {
      const half = a.minus(b).abs().dividedBy(2).toDecimalPlaces(2, 1);
      const [from, to] = a.greaterThan(b)
        ? [config.accounts.long, config.accounts.short]
        : [config.accounts.short, config.accounts.long];
      const ex = ctx.exchanges(from);
      const manual = `move ${half.toFixed()} ${asset} from "${from}" to "${to}" (balances ${a.toFixed(2)} and ${b.toFixed(2)} ${asset} are ${gap.times(100).toDecimalPlaces(2).toFixed()}% apart, preflight.balance_tolerance_pct is ${tolerance.times(100).toFixed()}%)`;
      if (!config.preflight.transfer || !ex.transferTo)
        problems.push(
          `the accounts' balances differ: ${manual}${config.preflight.transfer ? `: the venue or keys of "${from}" cannot transfer` : ': preflight.transfer is off'}`,
        );
      else
        try {
          await ex.transferTo(to, asset, half);
          actions.push(`moved ${half.toFixed()} ${asset} from "${from}" to "${to}"`);
        } catch (e) {
          problems.push(
            `the accounts' balances differ and the transfer was refused (${errorText(e)}): ${manual}`,
          );
        }
    }
  }
  if (!started)
    for (const [role, v] of balances)
      if (!v.greaterThan(dec(0))) problems.push(`accounts.${role} has no ${asset} available: fund it`);
  return { problems, actions };
}
