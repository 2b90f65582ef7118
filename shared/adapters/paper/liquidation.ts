/**
 * Liquidation and funding: the two ways the exchange changes a wallet without an order of ours.
 *
 * Entry points:
 *  - `checkLiquidations(core, asset)`: every account whose pool for `asset` has positions and margin
 *    balance (wallet + unrealized at mark) at or below its maintenance margin is liquidated: its open
 *    orders and algo orders on that asset's symbols are cancelled, each position is closed at the mark by
 *    an `autoclose-…` IOC order reported as `CALCULATED` (taker fee), then the clearance fee
 *    (exchangeInfo `liquidationFee` × notional) takes what margin is left: income `INSURANCE_CLEAR`, one
 *    negative record per liquidated symbol. A wallet left negative is reset to zero by the insurance fund
 *    (a positive `INSURANCE_CLEAR` without a symbol).
 *  - `settleFunding(core, market, upTo)`: every known funding rate with fundingTime ≤ upTo is settled at the
 *    current mark: each position pays `qty × mark × rate` (longs pay a positive rate, shorts receive it),
 *    rounded to 8 decimals, as ACCOUNT_UPDATE `FUNDING_FEE`.
 *
 * Both are stamped with `eventNow`: inside a candle, the moment of the candle they happen in (funding
 * due by a candle's open is settled at that open).
 */
import { type Decimal, ZERO } from '../../domain/money.js';
import { cancelAllAlgoOrders } from './algo-orders.js';
import { executeFill, finishOrder } from './fills.js';
import { marginPool, markOf, round8 } from './ledger.js';
import { createOrderRecord } from './order-entry.js';
import { type AccountState, type EngineCore, eventNow, type MarketState } from './state.js';

function emitWallet(
  core: EngineCore,
  account: AccountState,
  asset: string,
  reason: 'FUNDING_FEE' | 'ORDER',
  change = ZERO,
): void {
  const now = eventNow(core);
  const wallet = account.wallets.get(asset) ?? ZERO;
  core.hub.emitAccount(account.id, {
    type: 'accountUpdate',
    eventTime: now,
    transactionTime: now,
    reason,
    balances: [{ asset, walletBalance: wallet, crossWalletBalance: wallet, balanceChange: change }],
    positions: [],
  });
}

export function checkLiquidations(core: EngineCore, asset: string): void {
  for (const account of core.accounts.values()) {
    const pool = marginPool(core, account, asset, false);
    if (!pool.hasPositions) continue;
    if (pool.wallet.plus(pool.unrealized).greaterThan(pool.maintMargin)) continue;
    liquidate(core, account, asset);
  }
}

function liquidate(core: EngineCore, account: AccountState, asset: string): void {
  const inPool = (symbol: string): boolean => core.markets.get(symbol)?.rules.marginAsset === asset;
  for (const o of [...account.openOrders.values()])
    if (inPool(o.symbol)) finishOrder(core, account, o, 'CANCELED');
  const symbols = new Set<string>();
  for (const a of account.openAlgos.values()) if (inPool(a.symbol)) symbols.add(a.symbol);
  for (const s of symbols) cancelAllAlgoOrders(core, account.id, s);
  const now = eventNow(core);
  const clearance = new Map<string, Decimal>();
  for (const p of [...account.positions.values()]) {
    if (p.qty.isZero() || !inPool(p.symbol)) continue;
    const market = core.markets.get(p.symbol)!;
    const mark = markOf(market);
    const qty = p.qty.abs();
    const o = createOrderRecord(core, account, {
      symbol: p.symbol,
      clientOrderId: `autoclose-${now}`,
      side: p.qty.isPositive() ? 'SELL' : 'BUY',
      positionSide: p.positionSide,
      type: 'LIMIT',
      origType: 'LIMIT',
      timeInForce: 'IOC',
      price: mark,
      origQty: qty,
      reduceOnly: true,
      closePosition: false,
      stopPrice: ZERO,
      workingType: 'CONTRACT_PRICE',
      priceProtect: false,
    });
    executeFill(core, o, qty, mark, { maker: false, liquidation: true });
    const fee = round8(qty.times(mark).times(market.rules.liquidationFee));
    clearance.set(p.symbol, (clearance.get(p.symbol) ?? ZERO).plus(fee));
  }
  // The clearance fee takes what margin is left, symbol by symbol (one income record per symbol).
  const wallet = account.wallets.get(asset) ?? ZERO;
  let after = wallet;
  for (const [symbol, due] of clearance) {
    if (!after.greaterThan(0)) break;
    const fee = due.lessThan(after) ? due : after;
    if (fee.isZero()) continue;
    after = after.minus(fee);
    account.income.push({
      symbol,
      incomeType: 'INSURANCE_CLEAR',
      income: fee.negated(),
      asset,
      time: now,
      tranId: core.ids.nextTranId++,
      tradeId: null,
    });
  }
  if (after.isNegative()) {
    account.income.push({
      symbol: '',
      incomeType: 'INSURANCE_CLEAR',
      income: after.negated(),
      asset,
      time: now,
      tranId: core.ids.nextTranId++,
      tradeId: null,
    });
    after = ZERO;
  }
  account.wallets.set(asset, after);
  account.walletUpdateTime = now;
  emitWallet(core, account, asset, 'ORDER');
}

export function settleFunding(core: EngineCore, market: MarketState, upTo: number): void {
  while (market.fundingCursor < market.funding.length) {
    const rec = market.funding[market.fundingCursor]!;
    if (rec.fundingTime > upTo) return;
    const mark = markOf(market);
    market.funding[market.fundingCursor] = { ...rec, markPrice: mark };
    market.fundingCursor++;
    market.lastFundingRate = rec.fundingRate;
    if (mark.isZero()) continue;
    const asset = market.rules.marginAsset;
    for (const account of core.accounts.values()) {
      let total = ZERO;
      for (const p of account.positions.values()) {
        if (p.symbol !== market.rules.symbol || p.qty.isZero()) continue;
        const fee = round8(p.qty.times(mark).times(rec.fundingRate).negated());
        if (fee.isZero()) continue;
        total = total.plus(fee);
        account.income.push({
          symbol: p.symbol,
          incomeType: 'FUNDING_FEE',
          income: fee,
          asset,
          time: eventNow(core),
          tranId: core.ids.nextTranId++,
          tradeId: null,
        });
      }
      if (total.isZero()) continue;
      account.wallets.set(asset, (account.wallets.get(asset) ?? ZERO).plus(total));
      account.walletUpdateTime = eventNow(core);
      emitWallet(core, account, asset, 'FUNDING_FEE', total);
    }
  }
}
