/**
 * Admin Lambda (invoked by `gridbot <command> --aws` or the console): `status`, `pause`, `resume`,
 * `rebuild`, `reset-counters`, `close-all` (the last two answer with a confirmation token first).
 * Only this account's instances; every command is journaled with its caller and request id. The answer
 * goes through the redactor: it may quote an exchange's error body.
 */
import { type AdminResult, adminCommandSchema, runAdminCommand } from '../../shared/application/admin.js';
import { type LambdaContextLike, redactedAnswer } from '../../shared/composition/lambda.js';
import { liveRuntime } from '../../shared/composition/live.js';

export type AdminAnswer = AdminResult | { ok: false; error: string };

export async function handler(event: unknown, context?: LambdaContextLike): Promise<AdminAnswer> {
  return redactedAnswer(await answer(event, context));
}

async function answer(event: unknown, context?: LambdaContextLike): Promise<AdminAnswer> {
  const rt = await liveRuntime('admin');
  const parsed = adminCommandSchema.safeParse(event);
  if (!parsed.success) {
    const error = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    rt.logger.error('malformed admin command', { error });
    return { ok: false, error };
  }
  const requestId = context?.awsRequestId;
  try {
    const result = await runAdminCommand(rt.ctx, parsed.data, { requestId });
    rt.logger.info('admin command done', {
      command: parsed.data.command,
      instance: parsed.data.instanceId,
      caller: parsed.data.caller ?? null,
      requestId: requestId ?? null,
      ok: result.ok,
    });
    rt.metrics.put('AdminCommands', 1, 'Count', { command: parsed.data.command });
    return result;
  } catch (e) {
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    rt.logger.error('admin command failed', { command: parsed.data.command, error });
    rt.metrics.put('Errors', 1, 'Count', { instance: parsed.data.instanceId });
    return { ok: false, error };
  } finally {
    await rt.ctx.notifier.flush?.();
    await rt.metrics.flush();
  }
}
