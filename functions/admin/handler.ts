/**
 * Admin Lambda (invoked by `gridbot <command> --aws` or the console): `status`, `pause`, `resume`,
 * `rebuild`, `reset-counters`, `close-all` (the last two answer with a confirmation token first).
 */
import { type AdminResult, adminCommandSchema, runAdminCommand } from '../../shared/application/admin.js';
import { liveRuntime } from '../../shared/composition/live.js';

export async function handler(event: unknown): Promise<AdminResult | { ok: false; error: string }> {
  const rt = await liveRuntime('admin');
  const parsed = adminCommandSchema.safeParse(event);
  if (!parsed.success) {
    const error = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    rt.logger.error('malformed admin command', { error });
    return { ok: false, error };
  }
  try {
    const result = await runAdminCommand(rt.ctx, parsed.data);
    rt.logger.info('admin command done', {
      command: parsed.data.command,
      instance: parsed.data.instanceId,
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
    await rt.metrics.flush();
  }
}
