/** The Key Level Grid as a strategy module (the first behind the seam; its behaviour is unchanged). */

import type { StrategyModule } from '../../strategy.js';
import type { KlgConfig } from './config.js';
import { checkKlgInvariants } from './invariants.js';
import { type KlgState, klgStateToJson, parseKlgState } from './state.js';

export const klgStrategy: StrategyModule<KlgConfig, KlgState> = {
  name: 'key_level_grid',
  legs: (config) => [
    { role: 'grid', account: config.account, symbol: config.symbol, positionSide: config.position_side },
  ],
  marketChannels: ['markPrice', 'bookTop'],
  jobs: ['recon', 'recompute', 'risk'],
  parseState: parseKlgState,
  stateToJson: klgStateToJson,
  invariants: checkKlgInvariants,
};
