/** ccxt with the okx exchange class only (REST and pro); see base.ts. */

import okx from '../../../node_modules/ccxt/js/src/okx.js';
import okxPro from '../../../node_modules/ccxt/js/src/pro/okx.js';
import { slimCcxt } from './base.js';

export * from './base.js';
export { okx };

const ccxt = slimCcxt({ okx }, { okx: okxPro });
export const exchanges = ccxt.exchanges;
export const pro = ccxt.pro;
export default ccxt;
