/** Drives the pure KLG engine against a ToyVenue the way the shells do: decide, persist, execute, report. */
import type { Command } from '../../../../shared/domain/commands.js';
import { type Decimal, dec } from '../../../../shared/domain/money.js';
import type { Fill } from '../../../../shared/domain/orders.js';
import type { KlgConfig, KlgConfigInput } from '../../../../shared/domain/strategies/klg/config.js';
import {
  initialKlgState,
  type KlgState,
  onFill,
  planRecon,
} from '../../../../shared/domain/strategies/klg/index.js';
import { markJournaled } from '../../../../shared/domain/strategy.js';
import type { SymbolRules } from '../../../../shared/domain/symbol-rules.js';
import { dogeRules } from '../../rules.js';
import { klgConfig } from './config.js';
import { ToyVenue } from './venue.js';

export class KlgBot {
  state: KlgState;
  readonly venue: ToyVenue;
  readonly log: Command[] = [];
  /** The state `planRecon` returned on the last pass, before its commands were carried out. */
  decided: KlgState | null = null;

  constructor(
    readonly config: KlgConfig,
    price: Decimal,
    rules: SymbolRules = dogeRules(),
    opts: { supportsAmend?: boolean } = {},
  ) {
    const levels = config.levels.source === 'manual' ? config.levels.prices : [];
    this.venue = new ToyVenue(config, rules, price, 1_700_000_000_000, opts.supportsAmend ?? true);
    this.state = initialKlgState(config.id, levels, this.venue.time);
  }

  static doge(price: string, overrides: Partial<KlgConfigInput> = {}): KlgBot {
    return new KlgBot(klgConfig(overrides), dec(price));
  }

  /** One recon pass; returns the commands it decided (before execution). */
  recon(): readonly Command[] {
    const d = planRecon(this.state, this.venue.snapshot(this.state), this.config, this.venue.time);
    this.log.push(...d.commands);
    this.state = d.state;
    this.decided = d.state;
    const r = this.venue.run(this.state, d.commands);
    this.state = r.state;
    this.log.push(...r.alerts.filter((a) => !d.commands.includes(a)), ...r.followUps);
    this.deliverImmediate();
    return d.commands;
  }

  /** Fills of market orders (protective closes) reach the event track as the stream would deliver them. */
  private deliverImmediate(): void {
    for (let f = this.venue.immediateFills.shift(); f; f = this.venue.immediateFills.shift()) this.fill(f);
  }

  /** Delivers one fill to the event track; returns the commands it decided. */
  fill(f: Fill): readonly Command[] {
    const d = onFill(this.state, f, this.config, this.venue.market(), this.venue.time);
    this.state = d.state;
    this.log.push(...d.commands);
    const r = this.venue.run(this.state, d.commands);
    this.state = r.state;
    this.log.push(...r.followUps);
    this.deliverImmediate();
    return d.commands;
  }

  /** The shell writes the journal lines of every applied fill (as the pipeline does after each pass). */
  journal(): void {
    this.state =
      markJournaled(
        this.state,
        this.state.unjournaled.map((f) => f.tradeId),
      ) ?? this.state;
  }

  /** Moves the price and delivers every resulting fill to the event track. */
  move(price: string): Fill[] {
    const fills = this.venue.moveTo(dec(price));
    for (const f of fills) this.fill(f);
    return fills;
  }

  level(price: string) {
    const l = this.state.levels.find((x) => x.price.equals(dec(price)));
    if (!l) throw new Error(`no level at ${price}`);
    return l;
  }

  openSells(): { price: string; qty: string }[] {
    return this.venue
      .openOrders()
      .filter((o) => o.kind === 'limit' && o.side === 'sell')
      .map((o) => ({ price: o.price!.toFixed(), qty: o.qty.minus(o.filledQty).toFixed() }))
      .sort((a, b) => Number(a.price) - Number(b.price));
  }

  openBuys(): string[] {
    return this.venue
      .openOrders()
      .filter((o) => o.kind === 'limit' && o.side === 'buy')
      .map((o) => o.price!.toFixed())
      .sort((a, b) => Number(a) - Number(b));
  }
}

export function kinds(commands: readonly Command[]): string[] {
  return commands.map((c) => c.kind);
}

/** Plain-JSON view of commands (Decimals as strings) for readable assertions. */
export function plain<T>(x: T): unknown {
  return JSON.parse(JSON.stringify(x));
}
