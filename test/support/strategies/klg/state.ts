/** Reads an instance the test knows runs the Key Level Grid, typed as such (refused if it runs another). */
import type { KlgConfig } from '../../../../shared/domain/strategies/klg/config.js';
import { asKlgState, type KlgState } from '../../../../shared/domain/strategies/klg/state.js';
import type { StateStore } from '../../../../shared/ports/state-store.js';

export async function loadKlg(
  store: Pick<StateStore, 'loadGrid'>,
  instanceId: string,
): Promise<KlgState | null> {
  return asKlgState(await store.loadGrid(instanceId));
}

/** An instance config the test knows is a Key Level Grid's, typed as such (refused if it is not). */
export function asKlgConfig(
  config: { readonly strategy: string; readonly id: string } | undefined,
): KlgConfig {
  if (config?.strategy !== 'key_level_grid')
    throw new Error(`instance ${config?.id} is not a Key Level Grid`);
  return config as unknown as KlgConfig;
}
