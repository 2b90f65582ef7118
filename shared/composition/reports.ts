/**
 * The status reports' transport for a deployment (`reports.email`): SES in AWS or SMTP (its login from the
 * secrets, read when the first mail goes), and — on SMTP, where no SNS topic carries them — alerts from
 * `reports.email.alerts` up by e-mail beside the process's own notifier.
 */
import { FanoutNotifier, MailNotifier, SesMailer, SmtpMailer } from '../adapters/notify/mailers.js';
import type { AppContext } from '../application/context.js';
import type { DeploymentConfig } from '../domain/config/deployment.js';
import type { Logger } from '../ports/logger.js';
import type { Notifier } from '../ports/notifier.js';
import type { Secrets } from '../ports/secrets.js';

export function reportsFor(
  deployment: DeploymentConfig,
  secrets: Secrets,
  env: Readonly<Record<string, string | undefined>>,
  region?: string,
): AppContext['reports'] {
  const email = deployment.reports?.email;
  if (!email) return undefined;
  if (email.transport === 'ses')
    return {
      email,
      mailer: new SesMailer({
        ...(region ? { region } : {}),
        ...(env.GRIDBOT_SES_ENDPOINT ? { endpoint: env.GRIDBOT_SES_ENDPOINT } : {}),
      }),
    };
  const smtp = email.smtp!;
  return {
    email,
    mailer: new SmtpMailer({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      login: async () => (smtp.auth ? secrets.login('smtp') : null),
      allowSelfSigned: env.GRIDBOT_SMTP_ALLOW_SELF_SIGNED === '1',
      allowPlain: env.GRIDBOT_SMTP_ALLOW_PLAIN === '1',
    }),
  };
}

/** The notifier with alerts by e-mail added when the reports go over SMTP and ask for them. */
export function withMailedAlerts(
  notifier: Notifier,
  reports: AppContext['reports'],
  logger: Logger,
): Notifier {
  if (reports?.email.transport !== 'smtp' || reports.email.alerts === 'none') return notifier;
  return new FanoutNotifier([
    notifier,
    new MailNotifier(reports.mailer, reports.email, reports.email.alerts, logger),
  ]);
}
