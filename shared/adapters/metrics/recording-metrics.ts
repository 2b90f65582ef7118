/**
 * The Metrics port in memory, for the simulator and tests: every data point is kept and can be queried
 * by name and by a subset of its dimensions. A non-finite value throws, so a bad metric fails the test or
 * run that produced it instead of disappearing.
 */
import type { Metrics, MetricUnit } from '../../ports/metrics.js';

export interface MetricPoint {
  readonly name: string;
  readonly value: number;
  readonly unit: MetricUnit;
  readonly dimensions: Readonly<Record<string, string>>;
}

export type DimensionFilter = Readonly<Record<string, string>>;

export class RecordingMetrics implements Metrics {
  readonly #points: MetricPoint[] = [];
  readonly #defaults: Readonly<Record<string, string>>;
  #flushes = 0;

  constructor(options: { defaultDimensions?: Readonly<Record<string, string>> } = {}) {
    this.#defaults = options.defaultDimensions ?? {};
  }

  put(name: string, value: number, unit: MetricUnit, dimensions?: Readonly<Record<string, string>>): void {
    if (!Number.isFinite(value))
      throw new RangeError(`metric ${name}: value ${value} is not a finite number`);
    this.#points.push({ name, value, unit, dimensions: { ...this.#defaults, ...dimensions } });
  }

  async flush(): Promise<void> {
    this.#flushes++;
  }

  /** How many times `flush` was called. */
  get flushes(): number {
    return this.#flushes;
  }

  /** All points, oldest first. */
  get points(): readonly MetricPoint[] {
    return this.#points;
  }

  /** Points named `name` whose dimensions include every entry of `where`. */
  query(name: string, where: DimensionFilter = {}): MetricPoint[] {
    return this.#points.filter((p) => p.name === name && matches(p.dimensions, where));
  }

  values(name: string, where?: DimensionFilter): number[] {
    return this.query(name, where).map((p) => p.value);
  }

  sum(name: string, where?: DimensionFilter): number {
    return this.values(name, where).reduce((a, b) => a + b, 0);
  }

  count(name: string, where?: DimensionFilter): number {
    return this.query(name, where).length;
  }

  last(name: string, where?: DimensionFilter): MetricPoint | undefined {
    return this.query(name, where).at(-1);
  }

  /** Distinct metric names seen, in first-seen order. */
  names(): string[] {
    return [...new Set(this.#points.map((p) => p.name))];
  }

  clear(): void {
    this.#points.length = 0;
  }
}

function matches(dimensions: Readonly<Record<string, string>>, where: DimensionFilter): boolean {
  return Object.entries(where).every(([k, v]) => dimensions[k] === v);
}
