/**
 * What every application service is given: the ports, nothing else. Composition roots (`live.ts`,
 * `local.ts`, the simulator) build one and pass it in; no service reaches for a global.
 */
import type { EmailReportsConfig } from '../domain/config/reports.js';
import type { Clock } from '../ports/clock.js';
import type { EventSink } from '../ports/events.js';
import type { ExchangeResolver } from '../ports/exchange.js';
import type { Logger } from '../ports/logger.js';
import type { Mailer } from '../ports/mailer.js';
import type { Metrics } from '../ports/metrics.js';
import type { Notifier } from '../ports/notifier.js';
import type { StateStore } from '../ports/state-store.js';
import type { GuardRails } from './guard-rails.js';
import type { RulesCache } from './market.js';

export interface AppContext {
  readonly store: StateStore;
  /** The Exchange port of an account id. */
  readonly exchanges: ExchangeResolver;
  readonly clock: Clock;
  readonly notifier: Notifier;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly events: EventSink;
  /** Uniform in [0, 1) for backoff jitter; seeded in simulation so runs are reproducible. */
  readonly random: () => number;
  /** An unguessable token (128 random bits, URL-safe) for confirmations; seeded in simulation. */
  readonly newToken: () => string;
  /**
   * The instances this process serves (its deployment; a Lambda: its account's slice). Scheduled jobs fan
   * out over these and admin commands refuse any other, whatever the store holds.
   */
  readonly instanceIds: readonly string[];
  /** Symbol rules per account and symbol, cached for the life of the process. */
  readonly rules: RulesCache;
  /** Pre-trade limits and the order-rate window per account (defaults when absent). */
  readonly guards?: GuardRails;
  /** E-mailed status reports (absent: the deployment sends none). */
  readonly reports?: { readonly mailer: Mailer; readonly email: EmailReportsConfig };
}
