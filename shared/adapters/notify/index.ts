/**
 * Notifiers behind the Notifier port.
 *  - AWS: `new SnsNotifier({ topicArn: process.env.ALERT_TOPIC_ARN!, logger, metrics })`.
 *  - Local: `new LogNotifier(logger)`; tests and the simulator: `new MemoryNotifier()`.
 */
export { alertBody, alertSubject, MAX_SUBJECT_LENGTH } from './alert-text.js';
export { LogNotifier, MemoryNotifier } from './log-notifier.js';
export { SnsNotifier, type SnsNotifierOptions } from './sns-notifier.js';
