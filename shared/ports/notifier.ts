import type { Alert } from '../domain/commands.js';

/** Where alerts go: SNS e-mail in AWS, the log locally. Implementations never throw on delivery failure. */
export interface Notifier {
  notify(alert: Alert): Promise<void>;
  /** Sends what the notifier holds back (a batch of alerts) now: a Lambda invocation calls it before it ends. */
  flush?(): Promise<void>;
}
