/**
 * Before a live run starts (`gridbot run`) or a replay (`gridbot sim`), every instance's config is checked
 * by its strategy's runtime against what the venue says now; a config that cannot work is refused with
 * every problem, each naming the field and the fix, before anything trades.
 */
import type { InstanceConfig } from '../domain/config/deployment.js';
import { ConfigError } from '../domain/config/format-error.js';
import type { AppContext } from './context.js';
import { runtimeOf } from './strategies/index.js';
import type { PreflightOptions } from './strategies/runtime.js';

export type { PreflightOptions };

export async function preflightInstances(
  ctx: AppContext,
  instances: readonly InstanceConfig[],
  opts: PreflightOptions = {},
): Promise<void> {
  const problems: string[] = [];
  for (const inst of instances) problems.push(...(await runtimeOf(inst).preflight(ctx, inst, opts)));
  if (problems.length > 0) throw new ConfigError(`invalid config: ${problems.join('; ')}`, problems);
}
