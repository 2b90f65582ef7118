/**
 * The Notifier port for local runs: each alert becomes one log line (critical → error, warning → warn,
 * info → info) with its instance, code, message and data. The logger redacts.
 */
import type { Alert } from '../../domain/commands.js';
import type { Logger } from '../../ports/logger.js';
import type { Notifier } from '../../ports/notifier.js';

export class LogNotifier implements Notifier {
  #count = 0;

  constructor(private readonly logger: Logger) {}

  /** Alerts written so far. */
  get count(): number {
    return this.#count;
  }

  async notify(alert: Alert): Promise<void> {
    const fields = {
      instanceId: alert.instanceId,
      severity: alert.severity,
      code: alert.code,
      alert: alert.message,
      ...(alert.data ? { data: alert.data } : {}),
    };
    try {
      if (alert.severity === 'critical') this.logger.error('alert', fields);
      else if (alert.severity === 'warning') this.logger.warn('alert', fields);
      else this.logger.info('alert', fields);
      this.#count++;
    } catch {
      // The port promises never to throw on delivery failure; a broken logger is such a failure.
    }
  }
}

/** Keeps alerts in memory (tests, the simulator's report). */
export class MemoryNotifier implements Notifier {
  readonly alerts: Alert[] = [];

  async notify(alert: Alert): Promise<void> {
    this.alerts.push(alert);
  }

  ofCode(code: string): Alert[] {
    return this.alerts.filter((a) => a.code === code);
  }
}
