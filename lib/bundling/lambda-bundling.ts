/**
 * How every Lambda is bundled, as one description with two renderings: `cdkBundling` for NodejsFunction
 * (local esbuild, never Docker) and `esbuildOptions` for the esbuild API, which the infra tests and the
 * benchmark use to build exactly what `cdk synth` ships.
 *
 * Choices and why:
 *  - CommonJS output: ccxt reaches protobufjs (dYdX, MEXC code) only through lazy imports; in a CJS bundle an
 *    external stays a lazy `require`, so leaving protobufjs out costs nothing until those paths run, which
 *    Binance and OKX never do. (An ESM bundle hoists the import and fails at load.) Entry points therefore must
 *    not use top-level await; the bundle test fails if one does.
 *  - One ccxt exchange class per bundle: `ccxt` is aliased to lib/bundling/ccxt-slim/<venue>.ts (~1.3 MB
 *    minified instead of ~6.3 MB for the whole package).
 *  - The AWS SDK is bundled, not taken from the runtime, so Lambda runs the versions the tests ran.
 *  - keepNames: ccxt error class names appear in logs and classifications; minified names would not.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import type { Venue } from '../config/deployment-input.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Code is compiled for Node 20 (what the project develops and tests on) and runs on Lambda's Node 24:
 * nodejs20.x is deprecated on Lambda since 2026-04-30 and refuses new functions from 2027-02-01, and the
 * AWS SDK drops Node 20 in 2027. Syntax for node20 runs unchanged on 24.
 */
export const NODE_TARGET = 'node20';
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;
export const EXTERNAL_MODULES = ['protobufjs'] as const;

export function ccxtSlimModule(venue: Venue): string {
  return join(REPO_ROOT, 'lib/bundling/ccxt-slim', `${venue}.ts`);
}

/** What every gridbot Lambda shares: ARM64 on `LAMBDA_RUNTIME`, bundled from this repository's lock file. */
export const FUNCTION_BASICS = {
  handler: 'handler',
  projectRoot: REPO_ROOT,
  depsLockFilePath: `${REPO_ROOT}/package-lock.json`,
  runtime: LAMBDA_RUNTIME,
  architecture: Architecture.ARM_64,
} as const;

/** Where a Lighter Lambda finds the signer's wasm files, copied beside the bundle (`lighter-signer.ts`). */
export const LIGHTER_SIGNER_DIR = 'lighter-signer';

/** `venue` null: a function that trades nowhere (the Telegram webhook) and bundles no ccxt. */
export function cdkBundling(venue: Venue | null): BundlingOptions {
  return {
    // Lighter signs with a WebAssembly signer that is read from disk, not bundled: ship its files too.
    ...(venue === 'lighter'
      ? {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (inputDir: string, outputDir: string) => [
              `mkdir -p ${outputDir}/${LIGHTER_SIGNER_DIR}`,
              `cp ${inputDir}/node_modules/lighter-ts-sdk/wasm/lighter-signer.wasm ${inputDir}/node_modules/lighter-ts-sdk/wasm/wasm_exec.js ${outputDir}/${LIGHTER_SIGNER_DIR}/`,
            ],
          },
        }
      : {}),
    forceDockerBundling: false,
    format: OutputFormat.CJS,
    target: NODE_TARGET,
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    keepNames: true,
    externalModules: [...EXTERNAL_MODULES],
    ...(venue === null ? {} : { esbuildArgs: { '--alias': `ccxt=${ccxtSlimModule(venue)}` } }),
  };
}

/** esbuild API options equal to `cdkBundling(venue)` (a `venue` of `null` keeps the whole ccxt package). */
export function esbuildOptions(entry: string, outfile: string, venue: Venue | null): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    keepNames: true,
    external: [...EXTERNAL_MODULES],
    alias: venue === null ? {} : { ccxt: ccxtSlimModule(venue) },
    absWorkingDir: REPO_ROOT,
    logLevel: 'silent',
    metafile: true,
  };
}
