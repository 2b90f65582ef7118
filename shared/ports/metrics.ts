/**
 * Operational metrics (CloudWatch EMF in AWS). Metric values are plain numbers: they describe the system
 * and never feed back into a trading decision.
 */
export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds' | 'None' | 'Percent';

export interface Metrics {
  /** Adds a data point; `dimensions` typically `{ instance }` or `{ account }`. */
  put(name: string, value: number, unit: MetricUnit, dimensions?: Readonly<Record<string, string>>): void;
  flush(): Promise<void>;
}
