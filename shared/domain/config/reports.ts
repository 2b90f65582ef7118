/**
 * E-mailed status reports (SPEC §5, seed 004): an HTML report per instance every `every_minutes` and on
 * demand (`gridbot report`, the admin `report` command), and error alerts by e-mail. Through Amazon SES
 * in AWS (the CDK app provisions the sender's identity) or any SMTP server (its login in the secrets:
 * `gridbot/smtp` or `GRIDBOT_SMTP_USERNAME` / `GRIDBOT_SMTP_PASSWORD`, never in this file).
 */
import { z } from 'zod';

export const reportsSchema = z
  .object({
    email: z
      .object({
        to: z
          .array(z.string().email({ message: 'must be an e-mail address, e.g. "ops@example.com"' }))
          .min(1, { message: 'name at least one recipient' }),
        from: z.string().email({ message: 'must be an e-mail address the transport may send from' }),
        /** A report per instance this often (minutes). */
        every_minutes: z.number().int().min(5).max(10_080).default(60),
        transport: z.enum(['ses', 'smtp']).default('ses'),
        smtp: z
          .object({
            host: z.string().min(1),
            port: z.number().int().min(1).max(65_535).default(587),
            secure: z
              .boolean()
              .default(false)
              .describe('TLS from the first byte (port 465); otherwise STARTTLS when the server offers it.'),
            auth: z.boolean().default(true).describe('The server asks for a login (kept in the secrets).'),
          })
          .strict()
          .optional(),
        alerts: z
          .enum(['none', 'warning', 'critical'])
          .default('critical')
          .describe('Alerts also sent by e-mail, from this severity up (`none`: reports only).'),
      })
      .strict()
      .superRefine((e, ctx) => {
        if (e.transport === 'smtp' && !e.smtp)
          ctx.addIssue({
            code: 'custom',
            path: ['smtp'],
            message: 'transport smtp needs the server: smtp: {host: "smtp.example.com", port: 587}',
          });
      }),
  })
  .strict();

export type ReportsConfig = z.infer<typeof reportsSchema>;
export type EmailReportsConfig = ReportsConfig['email'];
