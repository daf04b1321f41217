/**
 * Redaction of secrets and image payloads from any text that may reach a log, an error message or
 * `upstreamBody`. Applied by every `RetouchError`, so a provider that forgets cannot leak.
 * @module
 */

const REDACTED = '[REDACTED]';

/**
 * What help text writes where a credential goes (`<key>`, `…`, `$OPENAI_API_KEY`, `YOUR_API_KEY`):
 * left as it is, so "send Authorization: Bearer <key>" still reads as an instruction.
 */
const PLACEHOLDER = /^(?:<[^<>\s]*>|\.{3}|…|\$\{?[A-Z_][A-Z0-9_]*\}?|(?:YOUR|MY)_[A-Z0-9_]+)$/;
const unlessPlaceholder = (value: string) =>
  PLACEHOLDER.test(value.replace(/[).\]!?]+$/, '')) ? value : REDACTED;

/** Most characters of an upstream body kept in an error. */
export const MAX_UPSTREAM_BODY_CHARS = 2000;

const SECRET_PATTERNS: ReadonlyArray<[RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  // Authorization headers echoed back, and SigV4 pieces.
  [
    /\b(Bearer)\s+([A-Za-z0-9._~+/=-]{4,})/gi,
    (_match: string, scheme: string, token: string) => `${scheme} ${unlessPlaceholder(token)}`,
  ],
  // `Basic` only as an Authorization scheme (capitalised, base64 credentials), not the English word.
  [/\bBasic\s+[A-Za-z0-9+/]{8,}={0,2}/g, `Basic ${REDACTED}`],
  [/\b(Credential|Signature|SignedHeaders)=[^,\s"'&]+/g, `$1=${REDACTED}`],
  // Query-string credentials (`?key=`, presigned URLs).
  [
    /([?&](?:key|api_key|apikey|api-key|access_token|token|sig|signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|X-Goog-Signature|X-Goog-Credential)=)[^&\s"'<>]+/gi,
    `$1${REDACTED}`,
  ],
  // JSON and header forms of well-known credential names.
  [
    /("(?:api[_-]?key|x-key|x-api-key|x-goog-api-key|authorization|password|secret|client_secret|access_token|refresh_token|private_key|session_token|aws_secret_access_key)"\s*:\s*")[^"]*(")/gi,
    `$1${REDACTED}$2`,
  ],
  [
    /\b(x-key|x-api-key|x-goog-api-key|api-key|x-amz-security-token)(\s*[:=]\s*)([^\s,;"']+)/gi,
    (_match: string, name: string, separator: string, value: string) =>
      `${name}${separator}${unlessPlaceholder(value)}`,
  ],
  // An Authorization header line, whatever its scheme.
  [
    /\b((?:proxy-)?authorization\s*[:=]\s*)(?:(bearer|basic|aws4-hmac-sha256)\s+)?([^\s,;"']+)/gi,
    (_match: string, head: string, scheme: string | undefined, value: string) =>
      `${head}${scheme ? `${scheme} ` : ''}${unlessPlaceholder(value)}`,
  ],
  // Well-known key shapes wherever they appear.
  [/\bsk-[A-Za-z0-9_-]{6,}/g, `sk-${REDACTED}`],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, REDACTED],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
  [/\bya29\.[0-9A-Za-z._-]{10,}/g, REDACTED],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, REDACTED],
];

// Image bytes are never worth logging: data URLs and long base64 runs become a size note.
const DATA_URL = /data:([a-z0-9.+/-]+);base64,[A-Za-z0-9+/=]{16,}/gi;
const LONG_BASE64 = /[A-Za-z0-9+/]{256,}={0,2}/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes secrets (API keys, bearer tokens, `?key=` parameters, signatures, private keys) and image
 * payloads (data URLs, long base64 runs) from `text`.
 *
 * @param text - Any text that may be shown to a person or written to a log.
 * @param secrets - Exact values to remove as well (the caller's own API keys); values shorter than
 *   four characters are ignored so that redaction cannot shred ordinary text.
 * @example
 * ```ts
 * redactSecrets('bad key sk-abc123456789 for Bearer xyz987654', []);
 * // 'bad key sk-[REDACTED] for Bearer [REDACTED]'
 * ```
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.replace(new RegExp(escapeRegExp(secret), 'g'), REDACTED);
  }
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement as string);
  out = out.replace(
    DATA_URL,
    (match, mediaType: string) => `data:${mediaType};base64,[${approxBase64Bytes(match)} bytes omitted]`,
  );
  out = out.replace(LONG_BASE64, (match) => `[base64 omitted, ~${approxBase64Bytes(match)} bytes]`);
  return out;
}

function approxBase64Bytes(text: string): number {
  const comma = text.indexOf(',');
  return Math.floor(((comma >= 0 ? text.length - comma - 1 : text.length) * 3) / 4);
}

/**
 * Redacts `text` and cuts it to `maxChars`, saying how much was cut.
 *
 * @example
 * ```ts
 * redactAndTruncate('x'.repeat(5000), [], 100).length < 200; // true
 * ```
 */
export function redactAndTruncate(
  text: string,
  secrets: readonly (string | undefined)[] = [],
  maxChars = MAX_UPSTREAM_BODY_CHARS,
): string {
  const clean = redactSecrets(text, secrets);
  return clean.length <= maxChars
    ? clean
    : `${clean.slice(0, maxChars)}…[truncated ${clean.length - maxChars} chars]`;
}
