/**
 * Paper engine events → Binance USD-M stream messages: the user-data events (ORDER_TRADE_UPDATE with a
 * TRADE_LITE before each trade, ACCOUNT_UPDATE, ALGO_UPDATE, ACCOUNT_CONFIG_UPDATE) and the market streams
 * (`<symbol>@bookTicker`, `@aggTrade`, `@markPrice` / `@markPrice@1s`, `@kline_1m`). Field names and
 * value styles match the live capture in `../shared/data/fixtures`.
 */
import { fmt } from '../../../domain/money.js';
import { formatPrice, formatQty } from '../market-rules.js';
import type { AccountEvent, MarketEvent } from '../types.js';
import type { RulesOf } from './format-rest.js';

export function userEventMessages(event: AccountEvent, rulesOf: RulesOf): unknown[] {
  const E = event.eventTime;
  const T = event.transactionTime;
  switch (event.type) {
    case 'orderUpdate': {
      const o = event.order;
      const rules = rulesOf(o.symbol);
      const t = event.trade;
      const out: unknown[] = [];
      if (t && event.executionType === 'TRADE') {
        out.push({
          e: 'TRADE_LITE',
          E,
          T,
          s: o.symbol,
          q: formatQty(rules, o.origQty),
          p: formatPrice(rules, o.price),
          m: t.maker,
          c: o.clientOrderId,
          S: o.side,
          L: formatPrice(rules, t.price),
          l: formatQty(rules, t.qty),
          t: t.id,
          i: o.orderId,
        });
      }
      out.push({
        e: 'ORDER_TRADE_UPDATE',
        T,
        E,
        o: {
          s: o.symbol,
          c: o.clientOrderId,
          S: o.side,
          o: o.type,
          f: o.timeInForce,
          q: formatQty(rules, o.origQty),
          p: formatPrice(rules, o.price),
          ap: o.avgPrice.toFixed(5),
          sp: formatPrice(rules, o.stopPrice),
          x: event.executionType,
          X: o.status,
          i: o.orderId,
          l: t ? formatQty(rules, t.qty) : '0',
          z: formatQty(rules, o.executedQty),
          L: t ? formatPrice(rules, t.price) : '0',
          n: t ? t.commission.toFixed(8) : '0',
          N: t ? t.commissionAsset : rules.marginAsset,
          T,
          t: t ? t.id : 0,
          b: fmt(event.bidNotional),
          a: fmt(event.askNotional),
          m: t ? t.maker : false,
          R: o.reduceOnly,
          wt: o.workingType,
          ot: o.origType,
          ps: o.positionSide,
          cp: o.closePosition,
          rp: t ? t.realizedPnl.toFixed(8) : '0',
          pP: o.priceProtect,
          si: 0,
          ss: 0,
          V: 'EXPIRE_MAKER',
          pm: 'NONE',
          gtd: 0,
        },
      });
      return out;
    }
    case 'accountUpdate':
      return [
        {
          e: 'ACCOUNT_UPDATE',
          T,
          E,
          a: {
            B: event.balances.map((b) => ({
              a: b.asset,
              wb: b.walletBalance.toFixed(8),
              cw: b.crossWalletBalance.toFixed(8),
              bc: fmt(b.balanceChange),
            })),
            P: event.positions.map((p) => ({
              s: p.symbol,
              pa: formatQty(rulesOf(p.symbol), p.positionAmt),
              ep: fmt(p.entryPrice),
              cr: p.cumRealized.toFixed(8),
              up: p.unrealizedPnl.toFixed(8),
              mt: 'cross',
              iw: '0',
              ps: p.positionSide,
              ma: p.marginAsset,
              bep: fmt(p.breakEvenPrice),
            })),
            m: event.reason,
          },
        },
      ];
    case 'algoUpdate': {
      const a = event.algo;
      const rules = rulesOf(a.symbol);
      return [
        {
          e: 'ALGO_UPDATE',
          T,
          E,
          o: {
            caid: a.clientAlgoId,
            aid: a.algoId,
            at: a.algoType,
            o: a.orderType,
            s: a.symbol,
            S: a.side,
            ps: a.positionSide,
            f: a.timeInForce,
            q: formatQty(rules, a.quantity),
            X: a.algoStatus,
            ai: a.actualOrderId === null ? '' : String(a.actualOrderId),
            ap: a.actualAvgPrice.toFixed(5),
            aq: formatQty(rules, a.executedQty),
            act: a.actualOrderId === null ? '' : 'MARKET',
            tp: formatPrice(rules, a.triggerPrice),
            p: '0',
            V: 'EXPIRE_MAKER',
            wt: a.workingType,
            pm: 'NONE',
            cp: a.closePosition,
            pP: a.priceProtect,
            R: a.reduceOnly,
            tt: a.triggerTime,
            gtd: 0,
            rm: a.failReason,
          },
        },
      ];
    }
    case 'accountConfigUpdate':
      return [{ e: 'ACCOUNT_CONFIG_UPDATE', E, T, ac: { s: event.symbol, l: event.leverage } }];
  }
}

/** (stream name, payload) pairs for one market event. */
export function marketEventMessages(event: MarketEvent, rulesOf: RulesOf, now: number): [string, unknown][] {
  switch (event.type) {
    case 'trade': {
      const rules = rulesOf(event.symbol);
      const stream = `${event.symbol.toLowerCase()}@aggTrade`;
      return [
        [
          stream,
          {
            e: 'aggTrade',
            E: now,
            a: event.tradeId,
            s: event.symbol,
            p: formatPrice(rules, event.price),
            q: formatQty(rules, event.qty),
            f: event.tradeId,
            l: event.tradeId,
            T: event.time,
            m: event.buyerIsMaker,
          },
        ],
      ];
    }
    case 'bookTicker': {
      const b = event.book;
      const rules = rulesOf(b.symbol);
      return [
        [
          `${b.symbol.toLowerCase()}@bookTicker`,
          {
            e: 'bookTicker',
            u: b.time,
            s: b.symbol,
            b: formatPrice(rules, b.bid),
            B: formatQty(rules, b.bidQty),
            a: formatPrice(rules, b.ask),
            A: formatQty(rules, b.askQty),
            T: b.time,
            E: now,
          },
        ],
      ];
    }
    case 'markPrice': {
      const m = event.mark;
      const payload = {
        e: 'markPriceUpdate',
        E: m.time,
        s: m.symbol,
        p: m.markPrice.toFixed(8),
        i: m.indexPrice.toFixed(8),
        P: m.markPrice.toFixed(8),
        r: m.lastFundingRate.toFixed(8),
        T: m.nextFundingTime,
      };
      const base = `${m.symbol.toLowerCase()}@markPrice`;
      return [
        [base, payload],
        [`${base}@1s`, payload],
      ];
    }
    case 'kline': {
      const k = event.kline;
      const rules = rulesOf(event.symbol);
      return [
        [
          `${event.symbol.toLowerCase()}@kline_1m`,
          {
            e: 'kline',
            E: now,
            s: event.symbol,
            k: {
              t: k.openTime,
              T: k.closeTime,
              s: event.symbol,
              i: event.interval,
              f: 0,
              L: 0,
              o: formatPrice(rules, k.open),
              c: formatPrice(rules, k.close),
              h: formatPrice(rules, k.high),
              l: formatPrice(rules, k.low),
              v: formatQty(rules, k.volume),
              n: k.trades,
              x: event.closed,
              q: k.quoteVolume.toFixed(8),
              V: '0',
              Q: '0',
              B: '0',
            },
          },
        ],
      ];
    }
  }
}
