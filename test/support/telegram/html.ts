/**
 * Telegram's HTML parse mode as the Bot API server applies it (after tdlib's `parse_html`): the text with
 * tags removed and entities decoded, plus the message entities, or the exact error Telegram answers.
 *
 * Entry point: `parseTelegramHtml(text)` → `{ ok: true, text, entities }` or `{ ok: false, error }`, where
 * `error` is the part after "Bad Request: can't parse entities: ".
 *
 * Rules (https://core.telegram.org/bots/api#html-style): only the tags b strong i em u ins s strike del span
 * (class "tg-spoiler") tg-spoiler a tg-emoji tg-time code pre blockquote; every start tag closed in order;
 * named entities only &lt; &gt; &amp; &quot; (others stay literal), all numeric ones. Byte offsets in errors
 * are UTF-8 offsets into the given text; entity offsets are UTF-16 units of the result, as Telegram's.
 */
import { Buffer } from 'node:buffer';
import type { MessageEntity } from 'grammy/types';

const SUPPORTED = new Set([
  'a',
  'b',
  'strong',
  'i',
  'em',
  's',
  'strike',
  'del',
  'u',
  'ins',
  'tg-spoiler',
  'tg-emoji',
  'tg-time',
  'span',
  'pre',
  'code',
  'blockquote',
]);

const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"' };

export type HtmlParse =
  | { readonly ok: true; readonly text: string; readonly entities: MessageEntity[] }
  | { readonly ok: false; readonly error: string };

interface Open {
  readonly tag: string;
  readonly argument: string;
  readonly expandable: boolean;
  readonly offset: number;
  /** A `pre`'s language, from its `<code class="language-…">`. */
  language?: string;
}

const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

export function parseTelegramHtml(html: string): HtmlParse {
  const byteOffset = (i: number): number => Buffer.byteLength(html.slice(0, i), 'utf8');
  const fail = (error: string): HtmlParse => ({ ok: false, error });
  let out = '';
  const entities: MessageEntity[] = [];
  const open: Open[] = [];
  let i = 0;
  const at = (k: number): string | undefined => (k < html.length ? html[k] : undefined);

  while (i < html.length) {
    const c = html[i]!;
    if (c === '&') {
      const decoded = decodeEntity(html, i);
      if (decoded !== null) {
        out += decoded.char;
        i = decoded.end;
        continue;
      }
    }
    if (c !== '<') {
      out += c;
      i += 1;
      continue;
    }
    const begin = i;
    i += 1;
    if (at(i) !== '/') {
      while (at(i) !== undefined && !isSpace(at(i)) && at(i) !== '>') i += 1;
      if (at(i) === undefined) return fail(`Unclosed start tag at byte offset ${byteOffset(begin)}`);
      const tag = html.slice(begin + 1, i).toLowerCase();
      if (!SUPPORTED.has(tag)) {
        return fail(`Unsupported start tag "${tag}" at byte offset ${byteOffset(begin)}`);
      }
      let argument = '';
      let expandable = false;
      while (at(i) !== '>') {
        while (at(i) !== undefined && isSpace(at(i))) i += 1;
        if (at(i) === '>') break;
        if (at(i) === undefined) return fail(`Unclosed start tag at byte offset ${byteOffset(begin)}`);
        const nameBegin = i;
        while (at(i) !== undefined && !isSpace(at(i)) && at(i) !== '=' && at(i) !== '>') i += 1;
        const name = html.slice(nameBegin, i).toLowerCase();
        if (name.length === 0) {
          return fail(`Empty attribute name in the tag "${tag}" at byte offset ${byteOffset(begin)}`);
        }
        while (at(i) !== undefined && isSpace(at(i))) i += 1;
        if (at(i) !== '=') {
          if (tag === 'blockquote' && name === 'expandable') {
            expandable = true;
            continue;
          }
          return fail(
            `Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${byteOffset(begin)}`,
          );
        }
        i += 1;
        while (at(i) !== undefined && isSpace(at(i))) i += 1;
        if (at(i) === undefined)
          return fail(`Unclosed start tag "${tag}" at byte offset ${byteOffset(begin)}`);
        let value = '';
        const quote = at(i);
        if (quote !== '"' && quote !== "'") {
          const tokenBegin = i;
          while (at(i) !== undefined && /[A-Za-z0-9.-]/.test(at(i)!)) i += 1;
          value = html.slice(tokenBegin, i).toLowerCase();
          if (!isSpace(at(i)) && at(i) !== '>') {
            return fail(`Unexpected end of name token at byte offset ${byteOffset(tokenBegin)}`);
          }
        } else {
          i += 1;
          while (at(i) !== undefined && at(i) !== quote) {
            if (at(i) === '&') {
              const decoded = decodeEntity(html, i);
              if (decoded !== null) {
                value += decoded.char;
                i = decoded.end;
                continue;
              }
            }
            value += html[i];
            i += 1;
          }
          if (at(i) === quote) i += 1;
        }
        if (at(i) === undefined) return fail(`Unclosed start tag at byte offset ${byteOffset(begin)}`);
        if (tag === 'a' && name === 'href') argument = value;
        else if (tag === 'code' && name === 'class' && value.startsWith('language-'))
          argument = value.slice(9);
        else if (tag === 'span' && name === 'class' && value.startsWith('tg-')) argument = value.slice(3);
        else if (tag === 'tg-emoji' && name === 'emoji-id') argument = value;
        else if (tag === 'tg-time' && name === 'unix') argument = value;
      }
      if (tag === 'span' && argument !== 'spoiler') {
        return fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(begin)}`);
      }
      i += 1; // '>'
      open.push({ tag, argument, expandable, offset: out.length });
    } else {
      if (open.length === 0) return fail(`Unexpected end tag at byte offset ${byteOffset(begin)}`);
      i += 1; // '/'
      const nameBegin = i;
      while (at(i) !== undefined && !isSpace(at(i)) && at(i) !== '>') i += 1;
      const endTag = html.slice(nameBegin, i).toLowerCase();
      while (at(i) !== undefined && isSpace(at(i))) i += 1;
      if (at(i) !== '>') return fail(`Unclosed end tag at byte offset ${byteOffset(begin)}`);
      i += 1;
      const top = open.pop()!;
      if (endTag.length > 0 && endTag !== top.tag) {
        return fail(
          `Unmatched end tag at byte offset ${byteOffset(begin)}, expected "</${top.tag}>", found "</${endTag}>"`,
        );
      }
      const entity = toEntity(top, out.length - top.offset, open[open.length - 1]);
      if (entity !== null) entities.push(entity);
    }
  }
  if (open.length > 0) {
    return fail(`Can't find end tag corresponding to start tag "${open[open.length - 1]!.tag}"`);
  }
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { ok: true, text: out, entities };
}

function toEntity(o: Open, length: number, parent: Open | undefined): MessageEntity | null {
  if (length <= 0) return null;
  const at = { offset: o.offset, length };
  switch (o.tag) {
    case 'b':
    case 'strong':
      return { type: 'bold', ...at };
    case 'i':
    case 'em':
      return { type: 'italic', ...at };
    case 'u':
    case 'ins':
      return { type: 'underline', ...at };
    case 's':
    case 'strike':
    case 'del':
      return { type: 'strikethrough', ...at };
    case 'span':
    case 'tg-spoiler':
      return { type: 'spoiler', ...at };
    case 'blockquote':
      return { type: o.expandable ? 'expandable_blockquote' : 'blockquote', ...at };
    case 'a':
      return o.argument.length > 0 ? { type: 'text_link', ...at, url: o.argument } : null;
    case 'tg-emoji':
      return o.argument.length > 0 ? { type: 'custom_emoji', ...at, custom_emoji_id: o.argument } : null;
    case 'tg-time': {
      const unix = Number(o.argument);
      return Number.isSafeInteger(unix)
        ? { type: 'date_time', ...at, unix_time: unix, date_time_format: 'r' }
        : null;
    }
    case 'pre':
      return o.language === undefined ? { type: 'pre', ...at } : { type: 'pre', ...at, language: o.language };
    case 'code':
      // <pre><code class="language-x">: the language belongs to the pre entity; Telegram drops the code.
      if (parent?.tag === 'pre' && o.argument.length > 0) {
        parent.language = o.argument;
        return null;
      }
      return { type: 'code', ...at };
    default:
      return null;
  }
}

/** `&lt;` `&gt;` `&amp;` `&quot;` and `&#N;` / `&#xH;`; anything else is not an entity (a literal `&`). */
function decodeEntity(text: string, start: number): { char: string; end: number } | null {
  const m = /^&(?:#(\d{1,8})|#[xX]([0-9A-Fa-f]{1,8})|([A-Za-z]{1,8}));/.exec(text.slice(start, start + 12));
  if (m === null) return null;
  if (m[3] !== undefined) {
    const char = NAMED[m[3]];
    return char === undefined ? null : { char, end: start + m[0].length };
  }
  const code = m[1] !== undefined ? Number.parseInt(m[1], 10) : Number.parseInt(m[2]!, 16);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return null;
  return { char: String.fromCodePoint(code), end: start + m[0].length };
}
