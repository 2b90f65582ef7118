/**
 * The config reference: `examples/gridbot.schema.json` (the JSON Schema of a deployment config file,
 * `deploymentJsonSchema`) and `examples/CONFIG.md` (every field, its type, default, allowed values and
 * description, rendered from that schema). Both are generated, checked in, and kept fresh by
 * test/unit/domain/config/schema-reference.test.ts.
 *
 *   npm run config-reference      (writes both files)
 *
 * A dev tool like test/bench/run.ts, not part of the CLI: only the repo's maintainers regenerate it.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DECIMAL_JSON_SCHEMA, deploymentJsonSchema } from '../../shared/domain/config/json-schema.js';

export const REFRESH_COMMAND = 'npm run config-reference';

type Schema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  title?: string;
};

const repoRoot = resolve(import.meta.dirname, '../..');
export const SCHEMA_FILE = 'examples/gridbot.schema.json';
export const REFERENCE_FILE = 'examples/CONFIG.md';

const variantsOf = (s: Schema): Schema[] | undefined => s.anyOf ?? s.oneOf;

function isDecimal(s: Schema): boolean {
  const v = variantsOf(s);
  return (
    v?.length === 2 &&
    v[0]?.type === 'string' &&
    v[0]?.pattern === DECIMAL_JSON_SCHEMA.anyOf[0].pattern &&
    v[1]?.type === 'number'
  );
}

function isObject(s: Schema): boolean {
  return s.type === 'object' && s.properties !== undefined;
}

/** The property every variant of a union of objects fixes with a `const` (`strategy`, `source`). */
function discriminatorOf(variants: readonly Schema[]): string | undefined {
  const first = variants[0];
  if (!first?.properties || !variants.every(isObject)) return undefined;
  return Object.keys(first.properties).find((k) =>
    variants.every((v) => v.properties?.[k]?.const !== undefined),
  );
}

function typeText(s: Schema): string {
  if (isDecimal(s)) return 'decimal';
  const variants = variantsOf(s);
  if (variants) return [...new Set(variants.map(typeText))].join(' | ');
  if (s.const !== undefined) return typeof s.const;
  if (Array.isArray(s.type)) return s.type.join(' | ');
  if (s.type === 'array') return `${s.items ? typeText(s.items) : 'any'}[]`;
  if (s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object')
    return `map of string → ${typeText(s.additionalProperties)}`;
  return s.type ?? 'any';
}

const code = (v: unknown): string => `\`${JSON.stringify(v)}\``;

function range(min: number | undefined, max: number | undefined, exMin?: number, exMax?: number): string[] {
  const lo = min !== undefined ? `≥ ${min}` : exMin !== undefined ? `> ${exMin}` : undefined;
  const hi = max !== undefined ? `≤ ${max}` : exMax !== undefined ? `< ${exMax}` : undefined;
  return [lo && hi ? `${lo}, ${hi}` : (lo ?? hi)].filter((x): x is string => x !== undefined);
}

function allowedText(s: Schema): string {
  if (isDecimal(s)) return 'a decimal string or a number';
  const variants = variantsOf(s);
  if (variants) {
    if (discriminatorOf(variants)) return '';
    return variants
      .map(allowedText)
      .filter((t) => t)
      .join('; or ');
  }
  const out: string[] = [];
  if (s.const !== undefined) out.push(code(s.const));
  if (s.enum) out.push(s.enum.map(code).join(', '));
  out.push(...range(s.minimum, s.maximum, s.exclusiveMinimum, s.exclusiveMaximum));
  if (s.format) out.push(`format ${s.format}`);
  else if (s.pattern) out.push(`pattern \`${s.pattern}\``);
  if (s.minLength !== undefined && s.minLength > 1) out.push(`at least ${s.minLength} characters`);
  if (s.type === 'array') {
    const n = range(s.minItems, s.maxItems).map((r) => `${r} items`);
    const inner = s.items && !isObject(s.items) ? allowedText(s.items) : '';
    out.push(...n, ...(inner ? [`each ${inner}`] : []));
  }
  if (s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object') {
    const inner = isObject(s.additionalProperties) ? '' : allowedText(s.additionalProperties);
    if (inner) out.push(`each ${inner}`);
  }
  return out.join('; ');
}

function defaultText(s: Schema, required: boolean): string {
  if (s.default !== undefined) {
    if (typeof s.default === 'object' && s.default !== null && !Array.isArray(s.default))
      return Object.keys(s.default).length === 0 ? '`{}`' : 'see its fields';
    return code(s.default);
  }
  return required ? '**required**' : '—';
}

const cell = (t: string): string => t.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

interface Section {
  readonly title: string;
  readonly schema: Schema;
  readonly note?: string | undefined;
}

/** The object schema a field's rows live in, for a field that opens a section of its own. */
function nested(path: string, s: Schema): Section[] {
  if (isObject(s)) return [{ title: path, schema: s }];
  if (s.type === 'array' && s.items) return nested(`${path}[]`, s.items);
  if (s.type === 'object' && typeof s.additionalProperties === 'object')
    return nested(`${path}.<key>`, s.additionalProperties);
  const variants = variantsOf(s);
  if (!variants) return [];
  const key = discriminatorOf(variants);
  if (key)
    return variants.map((v) => ({
      title: `${path} (${key}: ${String(v.properties![key]!.const)})`,
      schema: v,
      note: v.description,
    }));
  return variants.flatMap((v) => nested(path, v));
}

function renderSection(section: Section, depth: number, out: string[]): void {
  const { title, schema } = section;
  out.push(`${'#'.repeat(Math.min(depth, 6))} \`${title}\``, '');
  const note = section.note ?? schema.description;
  if (note) out.push(cell(note), '');
  out.push('| Field | Type | Default | Allowed | Description |', '| --- | --- | --- | --- | --- |');
  const children: Section[] = [];
  const prefix = title.replace(/ \(.*\)$/, '');
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const required = schema.required?.includes(name) ?? false;
    const sub = nested(`${prefix}.${name}`, prop);
    children.push(...sub);
    const see = sub.length > 0 ? ` (see \`${prefix}.${name}\` below)` : '';
    out.push(
      `| \`${name}\` | ${cell(typeText(prop))} | ${cell(defaultText(prop, required))} | ${cell(allowedText(prop))} | ${cell(`${prop.description ?? ''}${see}`.trim())} |`,
    );
  }
  out.push('');
  for (const child of children) renderSection(child, depth + 1, out);
}

/** The Markdown reference of a deployment config's JSON Schema. */
export function renderConfigReference(schema: Schema): string {
  const out = [
    '# gridbot config reference',
    '',
    `<!-- Generated from the zod schemas by \`${REFRESH_COMMAND}\` (test/support/config-reference.ts): do not edit by hand. -->`,
    '',
    cell(schema.description ?? ''),
    '',
    `Every field of a deployment config file (YAML or JSON), as \`${SCHEMA_FILE.replace('examples/', '')}\` describes it. A YAML file points its editor at that schema with a first line \`# yaml-language-server: $schema=./gridbot.schema.json\`. \`gridbot validate-config <file>\` runs every check, including those a JSON Schema cannot say (cross-field rules, unknown accounts, symbols the venue does not list).`,
    '',
    '- **decimal**: money and ratios are decimals, written as a string (`"0.005"`) or a YAML/JSON number (`0.005`); a number is read through its shortest text, so write it as you mean it. Internally every decimal is exact.',
    '- **Default** `**required**`: the field must be given; `—`: optional, no default (absent means "none").',
    '- A path `a[]` is each item of the list `a`; `a.<key>` is each value of the map `a`.',
    '',
  ];
  renderSection({ title: '(top level)', schema }, 2, out);
  return `${out
    .join('\n')
    .replace(/`\(top level\)\./g, '`')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

/**
 * JSON as the repo's formatter (biome, 110 columns) writes it: objects one key a line, an array of plain
 * values on one line when it fits.
 */
export function formatJson(value: unknown, indent = '', prefix = ''): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const line = `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
      if (indent.length + prefix.length + line.length + 1 <= 110) return line;
    }
    return `[\n${value.map((v) => `${inner}${formatJson(v, inner)}`).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    return `{\n${entries
      .map(([k, v]) => {
        const key = `${JSON.stringify(k)}: `;
        return `${inner}${key}${formatJson(v, inner, key)}`;
      })
      .join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** The generated files, path relative to the repo and content. */
export function configReferenceFiles(): { path: string; text: string }[] {
  const schema = deploymentJsonSchema();
  return [
    { path: SCHEMA_FILE, text: `${formatJson(schema)}\n` },
    { path: REFERENCE_FILE, text: renderConfigReference(schema as Schema) },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const f of configReferenceFiles()) {
    writeFileSync(join(repoRoot, f.path), f.text);
    process.stdout.write(`wrote ${f.path}\n`);
  }
}
