/**
 * The Metrics port on Powertools Metrics: CloudWatch Embedded Metric Format lines (namespace `Gridbot`),
 * which CloudWatch Logs turns into metrics without an API call.
 *
 * Dimensions are per call (`{ instance }`, `{ account }`): each distinct dimension set gets its own
 * Powertools `Metrics` buffer, and `flush()` writes one EMF line per set that holds data. Powertools also
 * flushes a buffer by itself at 100 metric names or 100 values of one metric; those lines go through the
 * same writer.
 *
 * Metrics never break trading: a value Powertools refuses (NaN, a bad name or unit) is dropped, counted
 * in `dropped` and reported once per name through the optional logger.
 */
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { MetricsOptions } from '@aws-lambda-powertools/metrics/types';
import type { Logger } from '../../ports/logger.js';
import type { Metrics, MetricUnit } from '../../ports/metrics.js';

export interface EmfMetricsOptions {
  /** Default `Gridbot`. */
  readonly namespace?: string;
  /** The `service` dimension on every metric; default `gridbot`. */
  readonly serviceName?: string;
  /** Dimensions on every metric (e.g. `{ function: 'recon' }`); merged under the per-call ones. */
  readonly defaultDimensions?: Readonly<Record<string, string>>;
  /** Where EMF lines go; default stdout (what Lambda and the awslogs driver ship to CloudWatch). */
  readonly write?: (line: string) => void;
  /** Receives warnings (dropped values); default none. */
  readonly logger?: Logger;
  /**
   * The per-instance metrics (those with an `instance` dimension) to publish; default all. Any other
   * per-instance figure is written as a plain JSON line (`{ "metric", "value", "unit", ...dimensions }`,
   * no EMF directive): searchable in Logs Insights, not a billed custom metric.
   */
  readonly instanceMetrics?: ReadonlySet<string> | undefined;
}

type Writer = (line: string) => void;

/** Powertools' own publisher writes to a private console; this one writes where we say. */
class WritingPowertoolsMetrics extends PowertoolsMetrics {
  declare readonly writeLine: Writer;

  constructor(options: MetricsOptions, write: Writer) {
    super(options);
    this.writeLine = write;
  }

  override publishStoredMetrics(): this {
    if (!this.hasStoredMetrics()) return this;
    try {
      if (!this.isDisabled()) this.writeLine(JSON.stringify(this.serializeMetrics()));
    } finally {
      this.clearMetrics();
      this.clearDimensions();
      this.clearMetadata();
    }
    return this;
  }
}

export class EmfMetrics implements Metrics {
  readonly #namespace: string;
  readonly #serviceName: string;
  readonly #defaults: Readonly<Record<string, string>>;
  readonly #write: Writer;
  readonly #logger: Logger | undefined;
  readonly #instanceMetrics: ReadonlySet<string> | undefined;
  readonly #buffers = new Map<string, WritingPowertoolsMetrics>();
  readonly #warned = new Set<string>();
  #dropped = 0;

  constructor(options: EmfMetricsOptions = {}) {
    this.#namespace = options.namespace ?? 'Gridbot';
    this.#serviceName = options.serviceName ?? 'gridbot';
    this.#defaults = options.defaultDimensions ?? {};
    this.#write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.#logger = options.logger;
    this.#instanceMetrics = options.instanceMetrics;
  }

  /** Data points refused since start. */
  get dropped(): number {
    return this.#dropped;
  }

  put(name: string, value: number, unit: MetricUnit, dimensions?: Readonly<Record<string, string>>): void {
    const dims = { ...this.#defaults, ...dimensions };
    try {
      if (!Number.isFinite(value)) throw new RangeError(`value ${value} is not a finite number`);
      if (this.#instanceMetrics && dims.instance !== undefined && !this.#instanceMetrics.has(name)) {
        this.#write(JSON.stringify({ metric: name, value, unit, ...dims, service: this.#serviceName }));
        return;
      }
      this.#buffer(dims).addMetric(name, unit, value);
    } catch (e) {
      this.#dropped++;
      if (!this.#warned.has(name)) {
        this.#warned.add(name);
        this.#logger?.warn('metric dropped', {
          metric: name,
          reason: e instanceof Error ? e.message : String(e),
        });
      }
    }
  }

  async flush(): Promise<void> {
    for (const buffer of this.#buffers.values()) buffer.publishStoredMetrics();
  }

  #buffer(dimensions: Record<string, string>): WritingPowertoolsMetrics {
    const key = JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let buffer = this.#buffers.get(key);
    if (buffer === undefined) {
      buffer = new WritingPowertoolsMetrics(
        {
          namespace: this.#namespace,
          serviceName: this.#serviceName,
          defaultDimensions: dimensions,
          // Powertools' own warnings (invalid dimension values) go to our logger, not a private console.
          logger: warningsTo(this.#logger),
        },
        this.#write,
      );
      this.#buffers.set(key, buffer);
    }
    return buffer;
  }
}

function warningsTo(logger: Logger | undefined): NonNullable<MetricsOptions['logger']> {
  const say = (...content: unknown[]) =>
    logger?.warn('powertools metrics', { detail: content.map(String).join(' ') });
  return { debug: () => {}, info: () => {}, warn: say, error: say };
}
