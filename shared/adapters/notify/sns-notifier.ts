/**
 * The Notifier port on SNS (e-mail subscriptions): one Publish per alert with a short subject, a plain-text
 * body and message attributes `severity`, `code`, `instance` for subscription filter policies, and `alert`
 * (the alert as JSON, redacted) for subscribers that format it themselves (Telegram, through SQS).
 *
 * Never throws: a failed delivery is logged (with the alert text, so it still reaches CloudWatch Logs),
 * counted in `failed` and in the `AlertDeliveryFailed` metric. The client is made on first use, so
 * constructing this needs no credentials.
 */
import { PublishCommand, SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import type { Alert } from '../../domain/commands.js';
import type { Logger } from '../../ports/logger.js';
import type { Metrics } from '../../ports/metrics.js';
import type { Notifier } from '../../ports/notifier.js';
import { processRedactor, type Redactor } from '../logging/redactor.js';
import { alertBody, alertSubject } from './alert-text.js';

export interface SnsNotifierOptions {
  readonly topicArn: string;
  /** e.g. `http://127.0.0.1:4566` for a local server; omit in AWS. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Extra client settings (credentials, retries). Ignored when `client` is given. */
  readonly clientConfig?: SNSClientConfig;
  readonly client?: SNSClient;
  /** Where delivery failures are reported. */
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly redactor?: Redactor;
  /** Milliseconds since the epoch for the body's `time:` line; omit to leave it out. */
  readonly now?: () => number;
  /** First word of every subject; default `gridbot`. */
  readonly subjectPrefix?: string;
}

/** The alert as JSON, every text through the redactor: what the `alert` attribute carries. */
export function alertJson(alert: Alert, redactor: Redactor): string {
  return redactor.scrubText(
    JSON.stringify({
      instanceId: alert.instanceId,
      severity: alert.severity,
      code: alert.code,
      message: alert.message,
      data: redactor.sanitizeFields(alert.data ?? {}),
    }),
  );
}

export class SnsNotifier implements Notifier {
  readonly #options: SnsNotifierOptions;
  readonly #redactor: Redactor;
  #client: SNSClient | undefined;
  #delivered = 0;
  #failed = 0;

  constructor(options: SnsNotifierOptions) {
    if (!options.topicArn) throw new Error('SnsNotifier needs topicArn (the alerts topic ARN)');
    this.#options = options;
    this.#redactor = options.redactor ?? processRedactor;
  }

  get delivered(): number {
    return this.#delivered;
  }

  get failed(): number {
    return this.#failed;
  }

  async notify(alert: Alert): Promise<void> {
    let subject = '';
    let body = '';
    try {
      subject = alertSubject(alert, this.#redactor, this.#options.subjectPrefix);
      body = alertBody(alert, this.#redactor, this.#options.now?.());
      await this.#sns().send(
        new PublishCommand({
          TopicArn: this.#options.topicArn,
          Subject: subject,
          Message: body,
          MessageAttributes: {
            severity: { DataType: 'String', StringValue: alert.severity },
            code: { DataType: 'String', StringValue: this.#redactor.scrubText(alert.code || 'none') },
            instance: {
              DataType: 'String',
              StringValue: this.#redactor.scrubText(alert.instanceId || 'none'),
            },
            // The alert itself, for subscribers that format it their own way (the Telegram forwarder).
            alert: { DataType: 'String', StringValue: alertJson(alert, this.#redactor) },
          },
        }),
      );
      this.#delivered++;
    } catch (error) {
      this.#failed++;
      this.#options.logger?.error('alert delivery failed', {
        instanceId: alert.instanceId,
        severity: alert.severity,
        code: alert.code,
        subject,
        alert: body,
        error,
      });
      try {
        this.#options.metrics?.put('AlertDeliveryFailed', 1, 'Count', { instance: alert.instanceId });
      } catch {
        // Counting must not turn a failed delivery into a thrown one.
      }
    }
  }

  #sns(): SNSClient {
    if (this.#client === undefined) {
      const o = this.#options;
      this.#client =
        o.client ??
        new SNSClient({
          ...o.clientConfig,
          ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
          ...(o.region === undefined ? {} : { region: o.region }),
        });
    }
    return this.#client;
  }
}
