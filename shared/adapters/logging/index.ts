/**
 * Loggers behind the Logger port, and the redaction they share.
 *  - AWS: `new PowertoolsLogger({ serviceName: 'recon' })`.
 *  - Local / CLI / simulator: `new JsonConsoleLogger({ level: 'INFO', now: clock.now })`.
 *  - At startup, register every loaded secret: `processRedactor.registerCredentials(creds)` (or wrap the
 *    Secrets port with `registeringSecrets`, which does it on every load).
 */
export { type ConsoleLoggerOptions, JsonConsoleLogger } from './console-logger.js';
export {
  LineRecorder,
  type LineWriter,
  type LogLevelName,
  parseLevel,
  standardError,
  standardStreams,
} from './log-lines.js';
export { PowertoolsLogger, type PowertoolsLoggerOptions } from './powertools-logger.js';
export { processRedactor, REDACTED, Redactor } from './redactor.js';
export { isSecretKey } from './secret-keys.js';
