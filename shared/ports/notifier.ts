import type { Alert } from '../domain/commands.js';

/** Where alerts go: SNS e-mail in AWS, the log locally. Implementations never throw on delivery failure. */
export interface Notifier {
  notify(alert: Alert): Promise<void>;
}
