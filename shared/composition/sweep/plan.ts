/**
 * A sweep planned from its base config and sweep file: the base config validated on its own, the sweep
 * file checked against it (`domain/sweep/sweep.ts`), and every combination's config. The local sweep reads
 * both from files; the sweep item Lambda gets the same documents from the object store, so both derive
 * combination `i` the same way.
 *
 * Entry points: `planSweep(configPath, gridPath)`, `planSweepFrom(config, sweepFile, names)`.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseDeploymentConfig } from '../../domain/config/deployment.js';
import { expandSweep, parseSweepFile, SweepInputError } from '../../domain/sweep/sweep.js';

/** A YAML or JSON document (by the file's extension), refused with a one-line reason. */
export function readStructured(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SweepInputError(`cannot read the ${what} ${path}: ${(e as Error).message}`);
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new SweepInputError(
      `the ${what} ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
}

/** The plan of raw documents; `names` say where they came from, for the messages. */
export function planSweepFrom(
  raw: unknown,
  sweepFile: unknown,
  names: { readonly config: string; readonly grid: string },
) {
  // The base config must be valid on its own: its problems are the config's, not the sweep's.
  parseDeploymentConfig(raw, names.config);
  const plan = parseSweepFile(sweepFile, raw, `sweep file ${names.grid}`);
  return { raw, sweepFile, plan };
}

/** The sweep planned from its files: the base config (validated), the plan, and every combination's config. */
export function planSweep(configPath: string, gridPath: string) {
  const planned = planSweepFrom(
    readStructured(configPath, 'config file'),
    readStructured(gridPath, 'sweep file'),
    { config: configPath, grid: gridPath },
  );
  return { ...planned, expanded: expandSweep(planned.raw, planned.plan) };
}
