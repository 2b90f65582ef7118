/**
 * The config reference (examples/gridbot.schema.json, examples/CONFIG.md) is generated from the zod schemas
 * and checked in: it must be what the schemas say now, and the JSON Schema must accept what the zod
 * schemas accept (every example config) and refuse what a file cannot mean.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadDeploymentConfigFile } from '../../../../shared/composition/deployment-source.js';
import { parseDeploymentConfig } from '../../../../shared/domain/config/deployment.js';
import { deploymentJsonSchema } from '../../../../shared/domain/config/json-schema.js';
import {
  configReferenceFiles,
  REFERENCE_FILE,
  REFRESH_COMMAND,
  SCHEMA_FILE,
} from '../../../support/config-reference.js';
import { repoRoot } from '../../../support/sim.js';
import { klgConfigInput } from '../../../support/strategies/klg/config.js';

const SCHEMA_LINE = '# yaml-language-server: $schema=./gridbot.schema.json';

let compiled: ReturnType<Ajv['compile']> | undefined;
function validator() {
  // Formats (email, uri) are zod's to check; the schema's patterns already say what it needs.
  compiled ??= new Ajv({ allErrors: true, strict: true, validateFormats: false }).compile(
    deploymentJsonSchema(),
  );
  return compiled;
}

const examples = readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.yaml'));

describe('the config reference', () => {
  it.each(configReferenceFiles())('$path is up to date with the zod schemas', ({ path, text }) => {
    const held = readFileSync(join(repoRoot, path), 'utf8');
    expect(
      held === text,
      `${path} is stale: the config schemas changed. Run \`${REFRESH_COMMAND}\` and commit the result.`,
    ).toBe(true);
  });

  it('is a draft-07 JSON Schema ajv compiles in strict mode', () => {
    const schema = deploymentJsonSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(() => validator()).not.toThrow();
  });

  it('the reference names every field with its type, default, allowed values and description', () => {
    const md = readFileSync(join(repoRoot, REFERENCE_FILE), 'utf8');
    expect(md).toContain(
      '| `base_amount_per_grid` | decimal | — | a decimal string or a number | One grid unit, in coins',
    );
    expect(md).toMatch(
      /\| `quote_amount_per_grid` \| decimal \| — \|.*Give this or `base_amount_per_grid`, not both/,
    );
    expect(md).toContain('| `spacing` | string | `"arithmetic"` | `"arithmetic"`, `"geometric"` |');
    expect(md).toContain('| `count` | integer | **required** | ≥ 2, ≤ 500 |');
    expect(md).toContain('#### `instances[].levels (source: range)`');
    for (const strategy of ['key_level_grid', 'closer', 'atr_hedge_grid', 'hedge_pairs'])
      expect(md).toContain(`### \`instances[] (strategy: ${strategy})\``);
  });
});

describe('the JSON Schema against the example configs', () => {
  it.each(examples)('examples/%s names the schema on its first line and still loads', (file) => {
    const path = join(repoRoot, 'examples', file);
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(SCHEMA_LINE);
    expect(() => loadDeploymentConfigFile(path)).not.toThrow();
  });

  it.each(examples)('examples/%s validates against the JSON Schema', (file) => {
    const validate = validator();
    const doc = parseYaml(readFileSync(join(repoRoot, 'examples', file), 'utf8'));
    expect(validate(doc), JSON.stringify(validate.errors, null, 1)).toBe(true);
  });
});

describe('the JSON Schema describes the input form', () => {
  const validate = validator();
  const account = { id: 'main', exchange: 'binanceusdm' };
  const doc = (instance: Record<string, unknown>) => ({ accounts: [account], instances: [instance] });
  const both = (input: unknown) => {
    let zod = true;
    try {
      parseDeploymentConfig(input);
    } catch {
      zod = false;
    }
    return { json: validate(input), zod };
  };

  it('takes a decimal as a string or a number, and refuses other text', () => {
    expect(both(doc(klgConfigInput({ base_amount_per_grid: '300' })))).toEqual({ json: true, zod: true });
    expect(both(doc(klgConfigInput({ base_amount_per_grid: 300 })))).toEqual({ json: true, zod: true });
    expect(both(doc(klgConfigInput({ base_amount_per_grid: '3e2' })))).toEqual({ json: true, zod: true });
    expect(both(doc(klgConfigInput({ base_amount_per_grid: 'lots' })))).toEqual({ json: false, zod: false });
  });

  it('accepts the range shorthand and refuses a bad spacing or count', () => {
    const range = { source: 'range', lower: 0.1, upper: '0.2', count: 11, spacing: 'geometric' };
    expect(both(doc({ ...klgConfigInput(), levels: range }))).toEqual({ json: true, zod: true });
    expect(both(doc({ ...klgConfigInput(), levels: { ...range, spacing: 'log' } }))).toEqual({
      json: false,
      zod: false,
    });
    expect(both(doc({ ...klgConfigInput(), levels: { ...range, count: 501 } }))).toEqual({
      json: false,
      zod: false,
    });
  });

  it('refuses an unknown field, an unknown strategy and a missing required one', () => {
    expect(both(doc({ ...klgConfigInput(), levles: { source: 'manual', prices: [1] } }))).toEqual({
      json: false,
      zod: false,
    });
    expect(both(doc({ ...klgConfigInput(), strategy: 'martingale' }))).toEqual({ json: false, zod: false });
    const { base_amount_per_grid: _, ...noAmount } = klgConfigInput();
    expect(both(doc(noAmount))).toEqual({ json: false, zod: false });
    // Sized in quote currency instead of coins; never both.
    expect(both(doc({ ...noAmount, quote_amount_per_grid: '20' }))).toEqual({ json: true, zod: true });
    expect(both(doc({ ...noAmount, quote_amount_per_grid: '20', base_amount_per_grid: '100' }))).toEqual({
      json: false,
      zod: false,
    });
  });

  it('carries defaults as a file would write them', () => {
    const schema = deploymentJsonSchema() as {
      properties: {
        accounts: { items: { properties: { guards: { properties: Record<string, unknown> } } } };
      };
    };
    const guards = schema.properties.accounts.items.properties.guards.properties;
    expect(guards.price_band_pct).toMatchObject({ default: '5' });
    expect(guards.max_orders_per_10s).toMatchObject({ default: 300 });
  });

  it(`names the files it writes (${SCHEMA_FILE}, ${REFERENCE_FILE}) under examples/`, () => {
    expect(configReferenceFiles().map((f) => f.path)).toEqual([SCHEMA_FILE, REFERENCE_FILE]);
  });
});
