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

/** Longest message kept per issue: an error never echoes a megabyte of someone's input back. */
const MAX_ISSUE_CHARS = 300;
const MAX_ISSUES = 20;

export function describeIssues(error: z.ZodError, prefix = ''): string[] {
  const lines = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const where = pathText([...(prefix ? [prefix] : []), ...issue.path]);
    const line = `${where}: ${issue.message}`;
    return line.length > MAX_ISSUE_CHARS ? `${line.slice(0, MAX_ISSUE_CHARS)}… (cut)` : line;
  });
  if (error.issues.length > MAX_ISSUES) lines.push(`… and ${error.issues.length - MAX_ISSUES} more problems`);
  return lines;
}

export function configErrorFrom(error: z.ZodError, source: string, prefix = ''): ConfigError {
  const issues = describeIssues(error, prefix);
  return new ConfigError(`invalid config in ${source}: ${issues.join('; ')}`, issues);
}
