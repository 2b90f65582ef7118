/**
 * Invoking a deployed admin function (`gridbot <command> --aws`, the Telegram webhook): the command as its
 * payload, its answer back. Kept apart from `admin-client.ts` so a function that only forwards commands
 * bundles no exchange code.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { AdminCommand, AdminResult } from '../application/admin.js';

export type AdminReply = AdminResult | { readonly ok: false; readonly error: string };

/** Invokes the deployed admin function and returns its answer. */
export async function runAdminOnAws(opts: {
  readonly command: AdminCommand;
  readonly functionName: string;
  readonly region?: string | undefined;
  /** Another Lambda endpoint (a local stand-in); credentials then come from `env` when it has them. */
  readonly endpoint?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
}): Promise<AdminReply> {
  const key = opts.env?.AWS_ACCESS_KEY_ID;
  const secret = opts.env?.AWS_SECRET_ACCESS_KEY;
  const client = new LambdaClient({
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.endpoint && key && secret ? { credentials: { accessKeyId: key, secretAccessKey: secret } } : {}),
  });
  try {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: opts.functionName,
        Payload: new TextEncoder().encode(JSON.stringify(opts.command)),
      }),
    );
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    if (out.FunctionError)
      return { ok: false, error: `the admin function failed (${out.FunctionError}): ${text}` };
    return JSON.parse(text) as AdminReply;
  } finally {
    client.destroy();
  }
}
