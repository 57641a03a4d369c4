// The outputs of a run: logger, report.json, metrics.prom, termination message, JUnit, human view.
export { REPORT_SCHEMA, type CertSummary, type MustBlockResult, type RunReport, type RunVerdict } from './types.js';
export { createReporter, type Reporter, type ReporterOptions } from './reporter.js';
export { createScrubber, redactUrlCredentials } from './redact.js';
export { formatTerminationMessage } from './termination.js';
export { formatMetrics } from './metrics.js';
export { formatJUnit } from './junit.js';
