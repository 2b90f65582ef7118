/**
 * `handleMarketData`: market data routed to an instance whose strategy decides on it (`onMarket`), or a
 * timer wake-up of one that asked for it, as the stream worker (in the simulator too) runs it. The decision is made on the state the worker last saved and
 * saved conditionally on its version (a lost race re-reads), then carried out by the decision pipeline like
 * any other. A strategy that has nothing to do answers null: nothing is read or written.
 */
import type { Decision } from '../domain/commands.js';
import type { Tape } from '../domain/market-tape.js';
import type { Decimal } from '../domain/money.js';
import { strategyOf } from '../domain/strategies/index.js';
import type {
  InstanceConfigBase,
  InstanceEnvelope,
  Leg,
  LegMarketEvent,
  StrategyMarketChannel,
} from '../domain/strategy.js';
import type { MarketStreamEvent } from '../ports/exchange.js';
import type { AppContext } from './context.js';
import { decideAndSave } from './decide-and-save.js';
import { GridConflictError } from './errors.js';
import { carryOutDecision } from './pipeline.js';

/** The channel a market stream event belongs to (null: not market data a strategy decides on). */
export function channelOf(e: MarketStreamEvent): StrategyMarketChannel | null {
  switch (e.type) {
    case 'bookTop':
      return 'bookTop';
    case 'markPrice':
      return 'markPrice';
    case 'trade':
      return 'trades';
    case 'candle':
      return 'candles1m';
    default:
      return null;
  }
}

export interface MarketReport<S extends InstanceEnvelope> {
  /** The state stored after the decision (the one given when nothing was decided). */
  readonly state: S | null;
  readonly commands: number;
}

/** What the worker hands a market decision: the event (null: a timer wake-up), its tape, its run. */
export interface MarketInput {
  readonly event: MarketStreamEvent | null;
  readonly tape: Tape;
  readonly run: string;
}

/** The price a tape gives a decision: the last trade, else the book's mid, else the mark (null: none yet). */
function tapePrice(tape: Tape): Decimal | null {
  if (tape.last) return tape.last;
  if (tape.bid && tape.ask) return tape.bid.plus(tape.ask).dividedBy(2);
  return tape.mark;
}

export async function handleMarketData<S extends InstanceEnvelope>(
  ctx: AppContext,
  config: InstanceConfigBase,
  leg: Leg,
  input: MarketInput,
  current?: S,
): Promise<MarketReport<S>> {
  const strategy = strategyOf(config);
  const e = input.event;
  const channel = e === null ? 'timer' : channelOf(e);
  if (!strategy.onMarket || channel === null || e?.type === 'connection' || e?.type === 'malformed')
    return { state: current ?? null, commands: 0 };
  const exchange = ctx.exchanges(leg.account);
  const now = ctx.clock.now();
  const fromEvent =
    e === null
      ? null
      : e.type === 'bookTop'
        ? { price: e.bid.plus(e.ask).dividedBy(2), bid: e.bid, ask: e.ask, time: e.time }
        : e.type === 'markPrice'
          ? { price: e.mark, markPrice: e.mark, time: e.time }
          : e.type === 'trade'
            ? { price: e.price, time: e.time }
            : e.type === 'candle'
              ? { price: e.candle.close, time: e.candle.openTime }
              : null;
  const price = fromEvent?.price ?? tapePrice(input.tape);
  // A wake-up before any market data has nothing to decide on.
  if (price === null) return { state: current ?? null, commands: 0 };
  const rules = await ctx.rules.get(exchange, leg.symbol, now);
  const event: LegMarketEvent = {
    channel,
    rules,
    supportsAmend: exchange.supportsAmend,
    tape: input.tape,
    run: input.run,
    ...(input.tape.mark ? { markPrice: input.tape.mark } : {}),
    ...(fromEvent ?? { price, time: now }),
  };
  const onMarket = strategy.onMarket.bind(strategy);
  const saved = await decideAndSave<Decision<S> | null, S>(
    ctx,
    config.id,
    (stored) => {
      if (!stored) return { next: null, result: null };
      const d = onMarket(stored, leg, event, config, now) as Decision<S> | null;
      return { next: d ? d.state : null, result: d };
    },
    current ? { current } : {},
  );
  if (!saved.ok) throw new GridConflictError(config.id, saved.attempts);
  if (!saved.result || !saved.saved || !saved.state) return { state: saved.state, commands: 0 };
  const done = await carryOutDecision(ctx, config, saved.state, saved.result.commands);
  return { state: done.state, commands: done.executed.length + done.followUps.length };
}
