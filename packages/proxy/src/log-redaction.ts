/**
 * The proxy's logger never writes a secret, whatever the level and whoever logs (the proxy,
 * Fastify, any plugin at `trace`, the router's pino callback): every line is scrubbed on
 * its way to the destination. Credential headers (`authorization`, `x-key`, `x-goog-api-key`,
 * `api-key`, `x-api-key`, …) are blanked wherever they appear, bearer tokens in any text too, and
 * every configured secret (master key, virtual keys, deployments' keys and credentials, the Redis
 * password) is replaced by value, in whatever field or message it turns up.
 * @module
 */
import { type Logger, pino } from 'pino';
import type { ProxyConfig } from './config/proxy-config.js';

/** Header names whose values are credentials. */
export const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'x-key',
  'x-goog-api-key',
  'api-key',
  'x-api-key',
  'cookie',
  'x-amz-security-token',
] as const;

const REDACTED = '[redacted]';
/** Shorter values are not treated as secrets (they would blank ordinary words). */
const MIN_SECRET_LENGTH = 8;
const SECRET_SETTING = /(key|secret|token|password|credential)/i;

const headerPattern = new RegExp(
  `("(?:${CREDENTIAL_HEADERS.join('|')})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|\\[(?:[^\\]"]|"(?:[^"\\\\]|\\\\.)*")*\\])`,
  'gi',
);
const bearerPattern = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

/**
 * Every secret a config holds: the master key, the virtual keys, and each deployment's (and the
 * router's) settings named like a key, secret, token, password or credential.
 *
 * @example
 * ```ts
 * import { configSecrets } from '@retouch/proxy';
 * configSecrets(config); // ['sk-master…', 'sk-team-a…', 'sk-openai…']
 * ```
 */
export function configSecrets(config: ProxyConfig): string[] {
  const found = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) found.add(value);
  };
  add(config.masterKey);
  for (const key of config.keys) add(key.key);
  const settings = (record: Record<string, unknown> | undefined) => {
    for (const [name, value] of Object.entries(record ?? {})) if (SECRET_SETTING.test(name)) add(value);
  };
  for (const deployment of config.router.model_list) settings(deployment.litellm_params);
  settings(config.router as unknown as Record<string, unknown>);
  add(config.imageUrls?.signingKey);
  add(config.imageUrls?.s3?.secretAccessKey);
  add(config.imageUrls?.s3?.sessionToken);
  return [...found];
}

/**
 * Scrubs one serialized log line.
 *
 * @example
 * ```ts
 * import { createLogScrubber } from '@retouch/proxy';
 * createLogScrubber(['sk-master-1234'])('{"headers":{"authorization":"Bearer sk-master-1234"}}');
 * // '{"headers":{"authorization":"[redacted]"}}'
 * ```
 */
export function createLogScrubber(secrets: readonly string[]): (line: string) => string {
  // Longest first, so a secret that contains another is replaced whole; each also as JSON escapes it.
  const forms = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  return (line) => {
    let out = line.replace(headerPattern, `$1"${REDACTED}"`).replace(bearerPattern, `$1 ${REDACTED}`);
    for (const secret of forms) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
}

/**
 * A logger that writes where `base` writes, at its level, with every line scrubbed.
 *
 * @example
 * ```ts
 * import { redactingLogger } from '@retouch/proxy';
 * const logger = redactingLogger(pino({ level: 'trace' }), ['sk-master-1234']);
 * logger.info({ headers: { authorization: 'Bearer sk-master-1234' } }, 'hello'); // "[redacted]"
 * ```
 */
export function redactingLogger(base: Logger, secrets: readonly string[]): Logger {
  const scrub = createLogScrubber(secrets);
  const destination = (base as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
    | pino.DestinationStream
    | undefined;
  return pino(
    {
      level: base.level,
      hooks: { streamWrite: scrub },
    },
    destination ?? pino.destination(1),
  );
}
