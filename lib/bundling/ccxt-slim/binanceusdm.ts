/** ccxt with the binanceusdm exchange class only (REST and pro); see base.ts. */

import binanceusdm from '../../../node_modules/ccxt/js/src/binanceusdm.js';
import binanceusdmPro from '../../../node_modules/ccxt/js/src/pro/binanceusdm.js';
import { slimCcxt } from './base.js';

export * from './base.js';
export { binanceusdm };

const ccxt = slimCcxt({ binanceusdm }, { binanceusdm: binanceusdmPro });
export const exchanges = ccxt.exchanges;
export const pro = ccxt.pro;
export default ccxt;
