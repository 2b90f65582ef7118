/**
 * The part of ccxt every slim bundle keeps: the base exchange, errors, helpers. A slim module (one per venue,
 * next to this file) adds one exchange class (REST and pro) and default-exports an object shaped like ccxt's
 * default export, so runtime code written against `import ccxt from 'ccxt'` works unchanged.
 *
 * These files are bundling inputs only: esbuild aliases `ccxt` to a slim module when it bundles a Lambda
 * (lib/bundling/lambda-bundling.ts). Imports point into node_modules by relative path because an alias also
 * rewrites `ccxt/...` subpaths, which would loop back here.
 */
import { BaseExchange, Exchange } from '../../../node_modules/ccxt/js/src/base/Exchange.js';
import * as errors from '../../../node_modules/ccxt/js/src/base/errors.js';
import * as functions from '../../../node_modules/ccxt/js/src/base/functions.js';
import { Precise } from '../../../node_modules/ccxt/js/src/base/Precise.js';

export * from '../../../node_modules/ccxt/js/src/base/errors.js';
export { BaseExchange, Exchange, errors, functions, Precise };

type ExchangeClass = typeof Exchange;

/** ccxt's default export, restricted to the given exchange classes. */
export function slimCcxt(rest: Record<string, ExchangeClass>, pro: Record<string, ExchangeClass>) {
  const proNamespace = { ...pro, exchanges: Object.keys(pro), Exchange };
  return Object.assign(
    { Exchange, BaseExchange, Precise, exchanges: Object.keys(rest), pro: proNamespace },
    rest,
    functions,
    errors,
  );
}
