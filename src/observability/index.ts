/** The face of observability/: what the rest of src/ imports from it. Other folders import observability/ only through this file. */
export { createMetrics } from './metrics';
export type { Metrics } from './metrics';
export { metricsAccess } from './metrics-access';
