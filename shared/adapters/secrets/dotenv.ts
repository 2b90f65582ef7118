/**
 * A small `.env` reader: `NAME=value` lines, optional `export `, `#` comments, single quotes (literal),
 * double quotes (with `\n`, `\t`, `\"`, `\\` escapes), unquoted values trimmed up to a ` #` comment.
 * Errors give the file and line number only: the line may hold a secret.
 */

export class DotenvError extends Error {
  override readonly name = 'DotenvError';
}

const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/;

export function parseDotenv(text: string, file = '.env'): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new DotenvError(`${file} line ${i + 1}: expected NAME=value`);
    const value = parseValue(m[2]!, file, i + 1);
    out.set(m[1]!, value);
  }
  return out;
}

function parseValue(rest: string, file: string, lineNo: number): string {
  const quote = rest[0];
  if (quote !== '"' && quote !== "'") {
    const hash = rest.search(/\s#/);
    return (hash === -1 ? rest : rest.slice(0, hash)).trim();
  }
  let value = '';
  let i = 1;
  for (; i < rest.length; i++) {
    const ch = rest[i]!;
    if (ch === quote) break;
    if (quote === '"' && ch === '\\' && i + 1 < rest.length) {
      i++;
      const next = rest[i]!;
      value += next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : next;
      continue;
    }
    value += ch;
  }
  if (i >= rest.length) throw new DotenvError(`${file} line ${lineNo}: the quoted value is not closed`);
  const after = rest.slice(i + 1).trim();
  if (after !== '' && !after.startsWith('#')) {
    throw new DotenvError(`${file} line ${lineNo}: unexpected text after the closing quote`);
  }
  return value;
}
