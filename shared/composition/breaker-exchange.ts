/**
 * An account's Exchange port behind its circuit breaker (`domain/guards/breaker.ts`): REST calls that fail
 * for the venue's reasons (network, 5xx, timeouts: `retryable` and `unknown_outcome`) count; a refusal of an
 * order is an answer, not a failure; rate limiting has its own backoff and credentials their own alert.
 * While open, calls fail at once with a `retryable` error (`circuit_open`) without reaching the venue: the
 * callers' usual handling applies (recon retries next pass; an order is reported not sent). Once the
 * cooldown is over, one call probes the venue; calls made meanwhile wait for its verdict (a success lets
 * them through, a failure fails them at once), so the first pass after a storm runs whole. Streams pass
 * through. Every change of state is reported once (`onChange`), for the alert and the log.
 */

import type { DeploymentConfig } from '../domain/config/deployment.js';
import {
  admit,
  type BreakerPolicy,
  type BreakerState,
  CLOSED,
  DEFAULT_BREAKER,
  failed,
  succeeded,
} from '../domain/guards/breaker.js';
import type { Decimal } from '../domain/money.js';
import { legsOf } from '../domain/strategies/index.js';
import type { Clock } from '../ports/clock.js';
import { ExchangeError, type ExchangePort } from '../ports/exchange.js';
import type { Logger } from '../ports/logger.js';
import type { Metrics } from '../ports/metrics.js';
import type { Notifier } from '../ports/notifier.js';

export type BreakerChange = (
  account: string,
  to: BreakerState['status'],
  detail: { readonly failures: number; readonly lastError: string | null },
) => void;

function counts(e: unknown): boolean {
  return e instanceof ExchangeError && (e.kind === 'retryable' || e.kind === 'unknown_outcome');
}

/** The port with every REST call behind the account's breaker (one breaker per port). */
export function withBreaker(
  inner: ExchangePort,
  clock: Pick<Clock, 'now'>,
  onChange: BreakerChange,
  policy: BreakerPolicy = DEFAULT_BREAKER,
): ExchangePort & { breaker(): BreakerState } {
  let state: BreakerState = CLOSED;
  let lastError: string | null = null;
  const move = (next: BreakerState) => {
    const from = state.status;
    state = next;
    if (next.status !== from) onChange(inner.accountId, next.status, { failures: next.failures, lastError });
  };
  // While half open, the probe in flight: other calls wait for its verdict rather than fail beside it.
  let probe: Promise<unknown> | null = null;
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      let gate = admit(state, clock.now(), policy);
      while (!gate.allow && state.status === 'half_open' && probe) {
        await probe.catch(() => undefined);
        gate = admit(state, clock.now(), policy);
      }
      move(gate.state);
      if (!gate.allow)
        throw new ExchangeError(
          'retryable',
          `circuit open for account ${inner.accountId} after ${state.failures} consecutive failures: calls resume after the cooldown`,
          { code: 'circuit_open' },
        );
      const probing = state.status === 'half_open';
      try {
        // A call that throws before it returns a promise is a failed probe all the same.
        const running = Promise.resolve().then(() => call(...args));
        if (probing) probe = running;
        const result = await running;
        move(succeeded(state));
        return result;
      } catch (e) {
        if (counts(e)) {
          lastError = (e as Error).message;
          move(failed(state, clock.now(), policy));
        } else if (state.status === 'half_open') {
          // The probe got an answer (a refusal, say): the venue is reachable.
          move(succeeded(state));
        }
        throw e;
      } finally {
        if (probing) probe = null;
      }
    };
  return {
    get accountId() {
      return inner.accountId;
    },
    get venue() {
      return inner.venue;
    },
    get supportsAmend() {
      return inner.supportsAmend;
    },
    loadRules: guard((symbol) => inner.loadRules(symbol)),
    fetchPrice: guard((symbol) => inner.fetchPrice(symbol)),
    openOrders: guard((symbol) => inner.openOrders(symbol)),
    order: guard((symbol, id, kind) => inner.order(symbol, id, kind)),
    position: guard((symbol, side) => inner.position(symbol, side)),
    balance: guard((asset) => inner.balance(asset)),
    tradesSince: guard((symbol, cursor, limit) => inner.tradesSince(symbol, cursor, limit)),
    candles: guard((symbol, timeframe, since, limit) => inner.candles(symbol, timeframe, since, limit)),
    submit: guard((request) => inner.submit(request)),
    cancel: guard((symbol, id, kind) => inner.cancel(symbol, id, kind)),
    amend: guard((request) => inner.amend(request)),
    setLeverage: guard((symbol, leverage) => inner.setLeverage(symbol, leverage)),
    hedgeMode: guard(() => inner.hedgeMode()),
    setHedgeMode: guard((on) => inner.setHedgeMode(on)),
    leverageBrackets: guard((symbol) => inner.leverageBrackets(symbol)),
    ...(inner.transferTo
      ? {
          transferTo: guard((to: string, asset: string, amount: Decimal) =>
            inner.transferTo!(to, asset, amount),
          ),
        }
      : {}),
    subscribeUser: (handler) => inner.subscribeUser(handler),
    subscribeMarket: (symbol, channels, handler) => inner.subscribeMarket(symbol, channels, handler),
    close: () => inner.close(),
    breaker: () => state,
  };
}

/**
 * What a breaker change does in a running bot: a log line and a metric every time, and an alert to every
 * instance with a leg on the account when the breaker first opens (not on each re-open after a failed probe)
 * and when it closes again.
 */
export function breakerAlerts(
  deployment: DeploymentConfig,
  notifier: Notifier,
  logger: Logger,
  metrics: Metrics,
): BreakerChange {
  const instancesOf = (account: string) =>
    deployment.instances.filter((i) => legsOf(i).some((l) => l.account === account)).map((i) => i.id);
  const raised = new Set<string>();
  return (account, to, detail) => {
    logger[to === 'closed' ? 'info' : 'warn']('circuit breaker', { account, state: to, ...detail });
    metrics.put('CircuitOpen', to === 'closed' ? 0 : 1, 'None', { account });
    const first = to === 'open' && !raised.has(account);
    const resolved = to === 'closed' && raised.has(account);
    if (!first && !resolved) return;
    if (first) raised.add(account);
    else raised.delete(account);
    for (const instanceId of instancesOf(account))
      void notifier
        .notify({
          kind: 'Alert',
          instanceId,
          severity: first ? 'critical' : 'info',
          code: first ? 'account_circuit_open' : 'account_circuit_open_resolved',
          message: first
            ? `account ${account}: ${detail.failures} calls in a row failed (${detail.lastError ?? 'unknown'}); its calls pause for breaker_cooldown_sec at a time until one succeeds`
            : `account ${account}: calls succeed again`,
        })
        .catch((e: unknown) => logger.error('alert failed', { error: (e as Error).message }));
  };
}
