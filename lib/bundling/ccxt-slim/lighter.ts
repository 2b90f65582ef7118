/** ccxt with the lighter exchange class only (REST and pro); see base.ts. */

import lighter from '../../../node_modules/ccxt/js/src/lighter.js';
import lighterPro from '../../../node_modules/ccxt/js/src/pro/lighter.js';
import { slimCcxt } from './base.js';

export * from './base.js';
export { lighter };

const ccxt = slimCcxt({ lighter }, { lighter: lighterPro });
export const exchanges = ccxt.exchanges;
export const pro = ccxt.pro;
export default ccxt;
