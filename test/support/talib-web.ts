/**
 * TA-Lib (the C library) compiled to WebAssembly, from the `talib-web` package, as an independent reference
 * for indicator tests. Two quirks of its JavaScript wrapper are handled here:
 *  - On Node 18+ the loader sees a global `fetch` and tries to fetch the .wasm file by path, which fails;
 *    hiding `WebAssembly.instantiateStreaming` while initialising makes it read the file from disk.
 *  - The wrapper passes `endIdx = length` where TA-Lib expects the last index (`length − 1`), so TA-Lib reads
 *    one element past the input and its last output is garbage. `talibOutput` keeps only the outputs that
 *    depend on real input: `length − lookback` of them, aligned to input index `lookback` onwards.
 */
import { createRequire } from 'node:module';
import * as talib from 'talib-web';

let ready: Promise<unknown> | undefined;

export function initTalib(): Promise<unknown> {
  if (!ready) {
    const wasmPath = createRequire(import.meta.url).resolve('talib-web/lib/talib.wasm');
    const wasm = (globalThis as unknown as { WebAssembly: { instantiateStreaming?: unknown } }).WebAssembly;
    const streaming = wasm.instantiateStreaming;
    wasm.instantiateStreaming = undefined;
    ready = talib.init(wasmPath).finally(() => {
      wasm.instantiateStreaming = streaming;
    });
  }
  return ready;
}

/** One value per input index; `undefined` where TA-Lib gives none (the first `lookback` inputs). */
export function talibOutput(
  output: readonly number[],
  inputLength: number,
  lookback: number,
): (number | undefined)[] {
  const out: (number | undefined)[] = new Array(lookback).fill(undefined);
  for (let k = 0; k < inputLength - lookback; k++) out.push(output[k]);
  return out;
}

export { talib };
