/**
 * The Mailer port on SMTP (nodemailer: any server, the SMTP password from the secrets) and on Amazon SES
 * (SESv2 `SendEmail`, the identity the CDK app provisions). Every mail is scrubbed of registered secret
 * values before it leaves. Both clients are made on first use, so constructing one needs no network and no
 * credentials. `MailNotifier` sends alerts from a severity up as e-mail (the SMTP path's alerts; in AWS the
 * SNS topic's e-mail subscription carries them).
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Alert } from '../../domain/commands.js';
import type { Logger } from '../../ports/logger.js';
import type { Mail, Mailer } from '../../ports/mailer.js';
import type { Notifier } from '../../ports/notifier.js';
import type { Login } from '../../ports/secrets.js';
import { processRedactor, type Redactor } from '../logging/redactor.js';
import { alertBody, alertSubject } from './alert-text.js';

function scrubbed(mail: Mail, redactor: Redactor): Mail {
  return {
    ...mail,
    subject: redactor.scrubRegistered(mail.subject),
    html: redactor.scrubRegistered(mail.html),
    text: redactor.scrubRegistered(mail.text),
  };
}

export interface SmtpMailerOptions {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  /** The login, read when the first mail goes (null: the server asks for none). */
  readonly login: () => Promise<Login | null>;
  readonly redactor?: Redactor;
  /** Test servers with a self-signed certificate. */
  readonly allowSelfSigned?: boolean;
  /** A local test server without TLS: the login may go in clear (never in production). */
  readonly allowPlain?: boolean;
}

export class SmtpMailer implements Mailer {
  readonly #o: SmtpMailerOptions;
  #transport: Promise<Transporter> | undefined;
  constructor(options: SmtpMailerOptions) {
    this.#o = options;
  }

  async send(mail: Mail): Promise<void> {
    this.#transport ??= this.#open().catch((e: unknown) => {
      this.#transport = undefined;
      throw e;
    });
    const transport = await this.#transport;
    const m = scrubbed(mail, this.#o.redactor ?? processRedactor);
    await transport.sendMail({ from: m.from, to: [...m.to], subject: m.subject, html: m.html, text: m.text });
  }

  async #open(): Promise<Transporter> {
    const login = await this.#o.login();
    return nodemailer.createTransport({
      host: this.#o.host,
      port: this.#o.port,
      secure: this.#o.secure,
      // Without TLS from the first byte, STARTTLS is required: the login never goes in clear.
      requireTLS: !this.#o.secure && !this.#o.allowPlain,
      ...(login ? { auth: { user: login.username, pass: login.password } } : {}),
      ...(this.#o.allowSelfSigned ? { tls: { rejectUnauthorized: false } } : {}),
    });
  }
}

export interface SesMailerOptions {
  readonly region?: string;
  /** e.g. a local endpoint in tests; omit in AWS. */
  readonly endpoint?: string;
  readonly client?: SESv2Client;
  readonly redactor?: Redactor;
}

export class SesMailer implements Mailer {
  readonly #o: SesMailerOptions;
  #client: SESv2Client | undefined;
  constructor(options: SesMailerOptions = {}) {
    this.#o = options;
  }

  async send(mail: Mail): Promise<void> {
    this.#client ??=
      this.#o.client ??
      new SESv2Client({
        ...(this.#o.region ? { region: this.#o.region } : {}),
        ...(this.#o.endpoint ? { endpoint: this.#o.endpoint } : {}),
      });
    const m = scrubbed(mail, this.#o.redactor ?? processRedactor);
    await this.#client.send(
      new SendEmailCommand({
        FromEmailAddress: m.from,
        Destination: { ToAddresses: [...m.to] },
        Content: {
          Simple: {
            Subject: { Data: m.subject, Charset: 'UTF-8' },
            Body: { Html: { Data: m.html, Charset: 'UTF-8' }, Text: { Data: m.text, Charset: 'UTF-8' } },
          },
        },
      }),
    );
  }
}

const RANK = { info: 0, warning: 1, critical: 2 } as const;

/** Alerts from `minimum` up, as e-mail (plain text, the alert body SNS would send). Never throws. */
export class MailNotifier implements Notifier {
  constructor(
    private readonly mailer: Mailer,
    private readonly mail: { readonly from: string; readonly to: readonly string[] },
    private readonly minimum: 'warning' | 'critical',
    private readonly logger: Logger,
    private readonly redactor: Redactor = processRedactor,
  ) {}

  async notify(alert: Alert): Promise<void> {
    if (RANK[alert.severity] < RANK[this.minimum]) return;
    const text = alertBody(alert, this.redactor, Date.now());
    try {
      await this.mailer.send({
        ...this.mail,
        subject: alertSubject(alert, this.redactor),
        text,
        html: `<pre>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>`,
      });
    } catch (e) {
      this.logger.error('alert e-mail failed', {
        code: alert.code,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
}

/** Every alert to each notifier in turn. */
export class FanoutNotifier implements Notifier {
  constructor(private readonly notifiers: readonly Notifier[]) {}
  async notify(alert: Alert): Promise<void> {
    await Promise.all(this.notifiers.map((n) => n.notify(alert)));
  }
  async flush(): Promise<void> {
    await Promise.all(this.notifiers.map((n) => n.flush?.()));
  }
}
