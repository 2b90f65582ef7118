/**
 * `npm run bench -- infra`: Lambda bundle sizes with one ccxt exchange class (as `cdk synth` builds them)
 * against the whole ccxt package, and the cold import time of each bundle. The measuring code lives in
 * test/infra/bundle-report.ts (only bin/ and test/infra may import the CDK code in lib/).
 */
import { reportBundles } from '../infra/bundle-report.js';
import type { Bench } from './run.js';

const bench: Bench = {
  name: 'Lambda bundles: size and cold import, one ccxt class vs the whole package',
  run: reportBundles,
};

export default bench;
