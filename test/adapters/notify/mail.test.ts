/**
 * E-mail through a real local SMTP server (`smtp-server`): the SMTP mailer logs in with the login from
 * the secrets, the status report arrives as HTML with each pair in a table and the alerts of the period,
 * the alert e-mail goes from its severity up, and no registered secret reaches a message.
 */
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processRedactor } from '../../../shared/adapters/logging/redactor.js';
import { MailNotifier, SmtpMailer } from '../../../shared/adapters/notify/mailers.js';
import { renderStatusReport } from '../../../shared/domain/report/status-report.js';
import { Login } from '../../../shared/ports/secrets.js';

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

const USER = 'reports@example.com';
const PASS = 'smtp-pa55word-for-tests';
const received: Received[] = [];
let server: SMTPServer;
let port = 0;

/** The message body with quoted-printable soft breaks and escapes undone. */
const decoded = (raw: string) =>
  raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: false,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, cb) {
      if (auth.username === USER && auth.password === PASS) cb(null, { user: USER });
      else cb(new Error('invalid login'));
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => {
        raw += c.toString('utf8');
      });
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const mailer = (pass = PASS) =>
  new SmtpMailer({
    host: '127.0.0.1',
    port,
    secure: false,
    login: async () => new Login(USER, pass),
    allowPlain: true,
  });

describe('e-mail over SMTP', () => {
  it('delivers the status report, pairs as a table and the period alerts, logged in with the secret login', async () => {
    const r = renderStatusReport({
      instanceId: 'btcpairs',
      strategy: 'hedge_pairs',
      generatedAt: Date.UTC(2026, 11, 6, 12),
      since: Date.UTC(2026, 11, 6, 11),
      status: {
        paused: false,
        summary: { pairs: 2, open: 1, stopped: 1 },
        pairs: [
          {
            pair: 1,
            status: 'open',
            long: { account: 'a1', position: '0.004' },
            short: { account: 'a2', position: '0.004' },
            unrealizedPnl: '-0.12',
          },
          {
            pair: 2,
            status: 'stopped',
            reason: 'stop_loss: <below> -5 USD',
            long: { account: 'a3' },
            short: { account: 'a4' },
            unrealizedPnl: null,
          },
        ],
      },
      alerts: [
        {
          ts: Date.UTC(2026, 11, 6, 11, 30),
          severity: 'warning',
          code: 'pair_stop_loss',
          message: 'pair 2 lost 5 USD',
        },
      ],
    });
    await mailer().send({ from: USER, to: ['ops@example.com'], ...r });
    const m = received.at(-1)!;
    expect(m.from).toBe(USER);
    expect(m.to).toEqual(['ops@example.com']);
    const body = decoded(m.raw);
    expect(m.raw).toContain('Subject: gridbot btcpairs: status');
    expect(body).toContain('<th>long.account</th>');
    expect(body).toContain('<td>a3</td>');
    expect(body).toContain('stop_loss: &lt;below&gt; -5 USD');
    expect(body).toContain('pair_stop_loss');
    // The plain-text part says the same.
    expect(body).toContain('pair=2 status=stopped');
  });

  it('refuses a wrong login, and an alert e-mail goes only from its severity up with no secret in it', async () => {
    await expect(
      mailer('wrong').send({ from: USER, to: ['ops@example.com'], subject: 's', html: 'h', text: 't' }),
    ).rejects.toThrow();
    processRedactor.register(['apikey-registered-secret-value']);
    const logs: string[] = [];
    const logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (m: string) => void logs.push(m),
      child: () => logger,
    };
    const n = new MailNotifier(mailer(), { from: USER, to: ['ops@example.com'] }, 'critical', logger);
    const before = received.length;
    await n.notify({
      kind: 'Alert',
      instanceId: 'btcpairs',
      severity: 'warning',
      code: 'pair_retrying',
      message: 'quiet',
    });
    expect(received.length).toBe(before);
    await n.notify({
      kind: 'Alert',
      instanceId: 'btcpairs',
      severity: 'critical',
      code: 'pair_stopped',
      message: 'account a6 refused apikey-registered-secret-value',
    });
    expect(received.length).toBe(before + 1);
    const body = decoded(received.at(-1)!.raw);
    expect(body).toContain('pair_stopped');
    expect(body).not.toContain('apikey-registered-secret-value');
    expect(received.every((x) => !x.raw.includes(PASS))).toBe(true);
    expect(logs).toEqual([]);
  });
});
