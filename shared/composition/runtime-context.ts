/**
 * The AppContext a running bot (AWS or one machine) gets: trading events journaled to the store, wall-clock
 * jitter, a process-wide rules cache, and the deployed instance configs registered in the store.
 */
import { randomBytes } from 'node:crypto';
import { JournalSink } from '../adapters/events/index.js';
import type { AppContext } from '../application/context.js';
import { withFillAlerts } from '../application/fill-alerts.js';
import { budgetsByAccount, type GuardRails, guardRails } from '../application/guard-rails.js';
import { RulesCache } from '../application/market.js';
import { type DeploymentConfig, preTradeLimitsOf } from '../domain/config/deployment.js';
import type { EventSink, TradingEvent } from '../ports/events.js';

export type ContextParts = Pick<
  AppContext,
  'store' | 'exchanges' | 'clock' | 'notifier' | 'metrics' | 'logger'
> &
  Partial<Pick<AppContext, 'reports'>> & {
    /** Told every batch of trading events once it is journaled (`gridbot run` prints a line for each). */
    readonly onEvents?: ((events: readonly TradingEvent[]) => void) | undefined;
  };

export async function runtimeContext(
  { onEvents, ...parts }: ContextParts,
  deployment: DeploymentConfig,
): Promise<AppContext> {
  for (const instance of deployment.instances) await parts.store.putConfig(instance);
  const journal = new JournalSink(parts.store);
  const sink: EventSink = onEvents
    ? {
        async record(events) {
          await journal.record(events);
          try {
            onEvents(events);
          } catch {
            // A watcher's failure never fails the trading path.
          }
        },
      }
    : journal;
  return {
    ...parts,
    // Each fill told as an alert too, when the Telegram section asks for fills.
    events: deployment.telegram?.alerts.fills === true ? withFillAlerts(sink, parts.notifier) : sink,
    random: Math.random,
    newToken: secureToken,
    instanceIds: deployment.instances.map((i) => i.id),
    rules: new RulesCache(),
    guards: guardsOf(deployment),
  };
}

/**
 * Each account's pre-trade limits and its instances' budgets from the deployment config, and one
 * order-rate window per process.
 */
export function guardsOf(deployment: DeploymentConfig): GuardRails {
  return guardRails(
    new Map(deployment.accounts.map((a) => [a.id, preTradeLimitsOf(a)])),
    budgetsByAccount(deployment.instances),
  );
}

/** 128 random bits from the operating system's CSPRNG, URL-safe (22 characters). */
export function secureToken(): string {
  return randomBytes(16).toString('base64url');
}
