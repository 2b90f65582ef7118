/**
 * Where a process finds its deployment config: `GRIDBOT_CONFIG` holds either the config itself (JSON, as
 * CDK passes it to Lambda and Fargate) or a path to a YAML / JSON file (local use). Parsed with the domain
 * schema; a bad config fails at start naming the field and the fix.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type DeploymentConfig, parseDeploymentConfig } from '../domain/config/deployment.js';
import { binanceListing, unlistedSymbolProblems, type VenueListing } from '../domain/config/venue-listing.js';

export class DeploymentSourceError extends Error {
  override readonly name = 'DeploymentSourceError';
}

export function loadDeploymentConfigFile(path: string): DeploymentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DeploymentSourceError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new DeploymentSourceError(
      `config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
  return parseDeploymentConfig(raw, path);
}

export function deploymentConfigFromEnv(env: Readonly<Record<string, string | undefined>>): DeploymentConfig {
  const value = env.GRIDBOT_CONFIG?.trim();
  if (!value)
    throw new DeploymentSourceError(
      'GRIDBOT_CONFIG is not set: give the deployment config as JSON or a file path',
    );
  if (value.startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(value);
    } catch (e) {
      throw new DeploymentSourceError(`GRIDBOT_CONFIG is not valid JSON: ${(e as Error).message}`);
    }
    return parseDeploymentConfig(raw, 'GRIDBOT_CONFIG');
  }
  return loadDeploymentConfigFile(value);
}

/**
 * The venue listing a config can be checked against: `explicit` (a flag), else the config's
 * `simulation.exchange_info` (relative to the config file); null when neither is given.
 */
export function listingFor(
  config: DeploymentConfig,
  configPath: string,
  explicit?: string | undefined,
): VenueListing | null {
  const declared = config.simulation?.exchange_info;
  const path = explicit ?? (declared ? resolve(dirname(configPath), declared) : undefined);
  if (!path) return null;
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DeploymentSourceError(`cannot read the exchangeInfo file ${path}: ${(e as Error).message}`);
  }
  try {
    return binanceListing(body, path);
  } catch (e) {
    throw new DeploymentSourceError((e as Error).message);
  }
}

/** Throws, naming every instance whose symbol the listing lacks, when a listing is at hand. */
export function assertSymbolsListed(config: DeploymentConfig, listing: VenueListing | null): void {
  if (!listing) return;
  const problems = unlistedSymbolProblems(config, listing);
  if (problems.length > 0) throw new DeploymentSourceError(`${problems.join('; ')}`);
}
