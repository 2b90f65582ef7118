/** Loading an instance's config from the store (whatever its strategy). */
import type { InstanceConfig } from '../domain/config/deployment.js';
import type { AppContext } from './context.js';
import { InstanceNotFoundError } from './errors.js';

/**
 * The instance's config: `known` when the caller has just read it (a scheduled job gets it from the
 * listing that chose the instance), otherwise from the store.
 */
export async function loadConfig(
  ctx: AppContext,
  instanceId: string,
  known?: InstanceConfig,
): Promise<InstanceConfig> {
  if (known && known.id === instanceId) return known;
  const config = await ctx.store.getConfig(instanceId);
  if (!config) throw new InstanceNotFoundError(instanceId);
  return config;
}
