/**
 * The JSON Schema of a deployment config file (`examples/gridbot.schema.json`), generated from the same zod
 * schemas that parse it: editors complete and check a YAML file that names it
 * (`# yaml-language-server: $schema=./gridbot.schema.json`), and `examples/CONFIG.md` is rendered from it.
 *
 * It describes what a person writes (`io: 'input'`): decimals as a decimal string or a number, defaults as
 * the values a field takes when left out. Checks no JSON Schema can say (a refinement across fields, a
 * known account, levels on the tick) stay with `gridbot validate-config`, which runs the zod schemas.
 *
 * Entry point: `deploymentJsonSchema()`.
 */
import { z } from 'zod';
import { DECIMAL_TEXT } from '../money.js';
import { CONFIG_DECIMAL_MARK, plainJson } from '../schema-helpers.js';
import { findStrategy, strategyNames } from '../strategies/index.js';
import { deploymentConfigSchema } from './deployment.js';

export type JsonSchema = z.core.JSONSchema.BaseSchema;

/** How a config decimal may be written: YAML numbers are read through their shortest text. */
export const DECIMAL_JSON_SCHEMA = {
  anyOf: [{ type: 'string', pattern: `^\\s*${DECIMAL_TEXT.source.slice(1, -1)}\\s*$` }, { type: 'number' }],
} as const;

/**
 * The deployment schema as a document describes it: `instances` is parsed by the schema of the strategy an
 * instance names (a transform no JSON Schema can follow), so here it is the union of every registered
 * strategy's config, told apart by `strategy`.
 */
function documentSchema(): z.ZodType {
  const strategies = strategyNames().map((n) => findStrategy(n)!.configSchema);
  const instance = strategies.length === 1 ? strategies[0]! : z.union(strategies as [z.ZodType, z.ZodType]);
  return z
    .object({
      ...deploymentConfigSchema.shape,
      instances: z
        .array(instance)
        .min(1)
        .describe(deploymentConfigSchema.shape.instances.description ?? 'The strategy instances.'),
    })
    .strict()
    .meta({
      title: 'gridbot deployment config',
      description:
        'Accounts and strategy instances of one gridbot deployment (`gridbot validate-config <file>` runs every check, including those a JSON Schema cannot express).',
    });
}

export function deploymentJsonSchema(): JsonSchema {
  return z.toJSONSchema(documentSchema(), {
    io: 'input',
    target: 'draft-07',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const def = zodSchema._zod.def;
      const js = jsonSchema as Record<string, unknown>;
      if (js[CONFIG_DECIMAL_MARK]) {
        delete js[CONFIG_DECIMAL_MARK];
        js.anyOf = structuredClone(DECIMAL_JSON_SCHEMA.anyOf);
      } else if (def.type === 'union' && Array.isArray(js.anyOf)) {
        // A Decimal instance (an option only code can pass) is nothing a file can hold.
        const options = (def as z.core.$ZodUnionDef).options;
        js.anyOf = js.anyOf.filter((_, i) => options[i]?._zod.def.type !== 'custom');
      }
      // zod's `int()` bounds an integer to the safe range: nothing a reader needs told.
      if (js.minimum === Number.MIN_SAFE_INTEGER) delete js.minimum;
      if (js.maximum === Number.MAX_SAFE_INTEGER) delete js.maximum;
      // A default whose value is parsed output (a Decimal, a parsed block): the text a file would write.
      if (def.type === 'default' && !('default' in js))
        js.default = plainJson((def as z.core.$ZodDefaultDef).defaultValue);
    },
  });
}
