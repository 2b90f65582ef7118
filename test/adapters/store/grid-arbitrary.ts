/** fast-check generator of KLG grid states of every shape the schema allows (for codec round trips). */
import fc from 'fast-check';
import { type Decimal, dec } from '../../../shared/domain/money.js';
import type {
  GridLevel,
  KlgState as GridState,
  LiveOrder,
  StopState,
} from '../../../shared/domain/strategies/klg/state.js';

/** Decimals of up to 40 significant digits, from 1e-16 to 1e24 in magnitude, signed. */
export const decimalArb = (min = -(10n ** 24n)): fc.Arbitrary<Decimal> =>
  fc
    .tuple(fc.bigInt({ min, max: 10n ** 24n }), fc.integer({ min: 0, max: 16 }))
    .map(([n, scale]) => dec(`${n}e-${scale}`));

const time = fc.integer({ min: 0, max: 4_102_444_800_000 });
const text = fc.string({ minLength: 1, maxLength: 24 });

const orderArb: fc.Arbitrary<LiveOrder> = fc.record({
  clientOrderId: text,
  exchangeOrderId: fc.option(text, { nil: null }),
  side: fc.constantFrom('buy', 'sell'),
  price: decimalArb(0n),
  qty: decimalArb(0n),
  filledQty: decimalArb(0n),
  openQty: decimalArb(0n),
  seq: fc.nat(),
  pending: fc.constantFrom('place', 'amend', 'cancel', null),
  uncertain: fc.boolean(),
});

const levelArb = (index: number): fc.Arbitrary<GridLevel> =>
  fc.record({
    index: fc.constant(index),
    price: decimalArb(0n),
    role: fc.constantFrom('SUPPORT', 'RESISTANCE', 'AT_PRICE'),
    state: fc.constantFrom('IDLE', 'PLACING', 'ACTIVE', 'FILLED', 'CANCELING'),
    fillCounter: fc.nat({ max: 10 }),
    order: fc.option(orderArb, { nil: null }),
    stateSince: time,
    profitLocked: fc.boolean(),
  });

const stopArb: fc.Arbitrary<StopState> = fc.record({
  clientOrderId: text,
  exchangeOrderId: fc.option(text, { nil: null }),
  triggerPrice: decimalArb(0n),
  coveredQty: decimalArb(0n),
  state: fc.constantFrom('PLACING', 'ACTIVE', 'CANCELING'),
  since: time,
  uncertain: fc.boolean(),
  closePosition: fc.boolean(),
});

export const gridStateArb = (instanceId: fc.Arbitrary<string>): fc.Arbitrary<GridState> =>
  fc
    .nat({ max: 6 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => levelArb(i))))
    .chain((levels) =>
      fc.record({
        schema: fc.constant(1 as const),
        strategy: fc.constant('key_level_grid' as const),
        instanceId,
        version: fc.constant(0),
        epoch: fc.nat(),
        epochStartSeq: fc.nat(),
        nextSeq: fc.nat(),
        levels: fc.constant(levels),
        holdings: decimalArb(0n),
        avgEntry: decimalArb(0n),
        realizedPnl: decimalArb(),
        feesPaid: decimalArb(),
        releasedQuotaRemainder: decimalArb(0n),
        unit: fc.option(
          fc.record({ coins: decimalArb(1n), quote: decimalArb(1n), price: decimalArb(1n), at: time }),
          { nil: null },
        ),
        recentTrades: fc.array(fc.record({ id: text, time }), { maxLength: 5 }),
        fillCursor: fc.option(fc.record({ time, tradeId: fc.string() }), { nil: null }),
        unjournaled: fc.array(
          fc.record({
            time,
            tradeId: text,
            side: fc.constantFrom('buy' as const, 'sell' as const),
            price: decimalArb(0n),
            qty: decimalArb(0n),
            fee: decimalArb(),
            clientOrderId: fc.string(),
            levelPrice: fc.option(decimalArb(0n), { nil: null }),
            holdingsAfter: decimalArb(),
            avgEntryAfter: decimalArb(0n),
            role: text,
          }),
          { maxLength: 2 },
        ),
        boughtSinceFlat: decimalArb(0n),
        soldSinceFlat: decimalArb(0n),
        positionMismatch: fc.option(fc.record({ exchangeQty: decimalArb(0n), seenAt: time }), { nil: null }),
        stops: fc.array(stopArb, { maxLength: 2 }),
        paused: fc.boolean(),
        pauseReason: fc.option(fc.string({ unit: 'grapheme' }), { nil: null }),
        activeAlerts: fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 3 }),
        suppressedAlerts: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/), fc.nat({ max: 1000 }), {
          maxKeys: 2,
        }),
        flatten: fc.option(
          fc.record({ clientOrderId: text, qty: decimalArb(0n), since: time, uncertain: fc.boolean() }),
          {
            nil: null,
          },
        ),
        resetBaseQty: decimalArb(0n),
        margin: fc.option(
          fc.record({
            wallet: decimalArb(0n),
            leverage: fc.option(decimalArb(0n), { nil: null }),
            maintMarginRate: decimalArb(0n),
            liquidationPrice: fc.option(decimalArb(0n), { nil: null }),
            at: time,
          }),
          { nil: null },
        ),
        lastPrice: fc.option(decimalArb(0n), { nil: null }),
        anchorPrice: fc.option(decimalArb(0n), { nil: null }),
        lastRebuildAt: fc.option(time, { nil: null }),
        lastReconAt: fc.option(time, { nil: null }),
        reconBackoffUntil: fc.option(time, { nil: null }),
        paramsVersion: fc.option(fc.nat(), { nil: null }),
        updatedAt: time,
      }),
    );
