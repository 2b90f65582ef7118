/** Turns a zod error into one line per problem: the path of the bad field, what is wrong, and the fix. */
import type { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

export function describeIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const where = pathText([...(prefix ? [prefix] : []), ...issue.path]);
    return `${where}: ${issue.message}`;
  });
}

export function configErrorFrom(error: z.ZodError, source: string, prefix = ''): ConfigError {
  const issues = describeIssues(error, prefix);
  return new ConfigError(`invalid config in ${source}: ${issues.join('; ')}`, issues);
}
