/**
 * The call's warnings (dropped parameters, unknown costs, failed attempts) as a response header:
 * an RFC 8941 list of strings, printable ASCII only, each warning and the whole header bounded,
 * so every HTTP client and intermediary passes it on. The full texts are in the request's log line.
 * @module
 */

/** The warnings themselves: `"dropped seed: openai/gpt-image-2 does not support it", "…"`. */
export const WARNINGS_HEADER = 'x-retouch-warnings';
/** How many warnings the call had (the header may hold fewer when they do not fit). */
export const WARNING_COUNT_HEADER = 'x-retouch-warning-count';

/** Longest single warning in the header, in characters. */
export const MAX_WARNING_CHARS = 300;
/** Longest header value, in bytes; well under the 8 KiB most proxies allow for all headers of a line. */
export const MAX_WARNINGS_HEADER_BYTES = 2048;

const ASCII_FOR: Readonly<Record<string, string>> = {
  '…': '...',
  '×': 'x',
  '—': '-',
  '–': '-',
  '‘': "'",
  '’': "'",
  '“': "'",
  '”': "'",
  '→': '->',
  '≤': '<=',
  '≥': '>=',
};

/**
 * One warning as an RFC 8941 string: printable ASCII (common typography spelled in ASCII, other
 * characters as `?`), `\` and `"` escaped, at most {@link MAX_WARNING_CHARS} characters.
 *
 * @example
 * ```ts
 * headerString('dropped size: 1536×1024 …'); // '"dropped size: 1536x1024 ..."'
 * ```
 */
export function headerString(text: string): string {
  let ascii = '';
  for (const char of text.normalize('NFKC')) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x20 && code <= 0x7e) ascii += char;
    else if (char === '\n' || char === '\r' || char === '\t') ascii += ' ';
    else ascii += ASCII_FOR[char] ?? '?';
  }
  if (ascii.length > MAX_WARNING_CHARS) ascii = `${ascii.slice(0, MAX_WARNING_CHARS - 3)}...`;
  return `"${ascii.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The header value for a call's warnings, or `undefined` when there were none. Warnings that do
 * not fit in {@link MAX_WARNINGS_HEADER_BYTES} are summed up in a last entry pointing at the log.
 *
 * @example
 * ```ts
 * warningsHeader(['dropped seed: openai/gpt-image-2 does not support it']);
 * // '"dropped seed: openai/gpt-image-2 does not support it"'
 * ```
 */
export function warningsHeader(warnings: readonly string[]): string | undefined {
  if (warnings.length === 0) return undefined;
  const parts: string[] = [];
  let length = 0;
  for (const [index, warning] of warnings.entries()) {
    const part = headerString(warning);
    const left = warnings.length - index - 1;
    // Keep room for the summary entry unless this is the last warning.
    const reserve = left > 0 ? 64 : 0;
    if (length + part.length + 2 + reserve > MAX_WARNINGS_HEADER_BYTES) {
      parts.push(headerString(`and ${warnings.length - index} more (in the proxy log of this request id)`));
      break;
    }
    parts.push(part);
    length += part.length + 2;
  }
  return parts.join(', ');
}
