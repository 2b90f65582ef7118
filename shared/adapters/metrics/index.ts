/**
 * Metrics behind the Metrics port.
 *  - AWS: `new EmfMetrics({ defaultDimensions: { function: 'recon' } })` (namespace `Gridbot`, EMF on stdout).
 *  - Local, simulator, tests: `new RecordingMetrics()` (queryable: `sum`, `count`, `values`, `last`).
 */
export { EmfMetrics, type EmfMetricsOptions } from './emf-metrics.js';
export { type DimensionFilter, type MetricPoint, RecordingMetrics } from './recording-metrics.js';
