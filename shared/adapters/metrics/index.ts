/**
 * Metrics behind the Metrics port.
 *  - AWS: `new EmfMetrics({ logger })` (namespace `Gridbot`, EMF on stdout; no default dimensions: the CDK
 *    dashboards and alarms query exactly `{ instance, service }` and `{ account, service }`).
 *  - Local, simulator, tests: `new RecordingMetrics()` (queryable: `sum`, `count`, `values`, `last`).
 */
export { EmfMetrics, type EmfMetricsOptions } from './emf-metrics.js';
export { type DimensionFilter, type MetricPoint, RecordingMetrics } from './recording-metrics.js';
