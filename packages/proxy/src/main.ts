/**
 * What the `retouch` command does: parse its arguments, load config.yaml, start the proxy, print
 * the URL it listens on, and shut down cleanly on SIGINT / SIGTERM.
 * @module
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { StoreOptions } from '@retouch/store';
import { type Logger, pino } from 'pino';
import { ConfigError } from './config/config-error.js';
import { modelsCommand } from './models-command.js';
import { loadConfig } from './config/load-config.js';
import type { ProxyConfig } from './config/proxy-config.js';
import { createProxyServer, type ProxyServer } from './server.js';
import { youngGenerationHint } from './young-generation.js';

/** Parsed command line. */
export interface CliOptions {
  config?: string;
  port: number;
  host: string;
  logLevel: string;
  /** Every config warning is an error (`--strict`). */
  strict: boolean;
  help: boolean;
  /** `--header-timeout`, `--body-timeout`, `--idle-timeout` (seconds): override `general_settings`. */
  headerTimeoutSeconds?: number;
  bodyTimeoutSeconds?: number;
  idleTimeoutSeconds?: number;
  /** `--shutdown-grace` (seconds): overrides `general_settings.shutdown_grace_seconds`. */
  shutdownGraceSeconds?: number;
  /** `--data-dir`: the embedded database's directory (default `RETOUCH_DATA_DIR`, else `.retouch`). */
  dataDir: string;
  /** `--no-persist`: the embedded database lives in memory. */
  noPersist: boolean;
  /** `--no-database`: no store (config keys only, spend in memory, no key or spend API). */
  noDatabase: boolean;
}

/**
 * The usage text.
 *
 * @example
 * ```ts
 * import { USAGE } from '@retouch/proxy';
 * console.log(USAGE);
 * ```
 */
export const USAGE = `Usage: retouch --config config.yaml [--port 4000] [--host 0.0.0.0] [--strict]
       retouch models [--config config.yaml] [--json]   the model catalogue: status, shutdown, successor, price

Options:
  -c, --config <file>   LiteLLM-style config.yaml (or CONFIG_FILE_PATH / RETOUCH_CONFIG)
  -p, --port <port>     port to listen on (default 4000, or PORT)
  -H, --host <host>     address to bind (default 0.0.0.0, or HOST)
      --header-timeout <s>  seconds for a request's headers to arrive (default 30; request_header_timeout_seconds)
      --body-timeout <s>    seconds for a request's body to arrive (default 120; request_body_timeout_seconds)
      --idle-timeout <s>    longest pause within a request's body, seconds (default 30; request_idle_timeout_seconds)
      --shutdown-grace <s>  on SIGTERM, seconds calls in flight may finish before they are aborted (default 20; shutdown_grace_seconds)
      --data-dir <dir>  keys, budgets and spend logs in an embedded PostgreSQL there (default .retouch, or RETOUCH_DATA_DIR)
                        unless DATABASE_URL / general_settings.database_url names a PostgreSQL server
      --no-persist      the embedded database in memory (gone on exit)
      --no-database     no database: keys from the config only, spend in memory, no /key or /spend API
      --log-level <l>   pino level: fatal, error, warn, info (default), debug, trace, silent
      --detailed_debug  same as --log-level debug
      --strict          refuse to start on any config warning (unknown keys, deployments without a key)
  -h, --help            this text`;

/**
 * A command-line mistake; `main` prints it with the usage and exits with code 2.
 *
 * @example
 * ```ts
 * import { parseCliArgs, UsageError } from '@retouch/proxy';
 * try { parseCliArgs(['--prot', '80']); } catch (e) { if (e instanceof UsageError) console.error(e.message); }
 * ```
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses `retouch` arguments. Throws a `UsageError` for unknown flags or a bad port.
 *
 * @example
 * ```ts
 * import { parseCliArgs } from '@retouch/proxy';
 * parseCliArgs(['--config', 'config.yaml', '--port', '8080']); // { config: 'config.yaml', port: 8080, host: '0.0.0.0', … }
 * ```
 */
export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string', short: 'H' },
        'log-level': { type: 'string' },
        'header-timeout': { type: 'string' },
        'body-timeout': { type: 'string' },
        'idle-timeout': { type: 'string' },
        'shutdown-grace': { type: 'string' },
        'data-dir': { type: 'string' },
        'no-persist': { type: 'boolean' },
        'no-database': { type: 'boolean' },
        detailed_debug: { type: 'boolean' },
        debug: { type: 'boolean' },
        strict: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const portText = (values.port as string | undefined) ?? env.PORT ?? '4000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`--port: expected 0–65535, got "${portText}"`);
  const debug = values.detailed_debug === true || values.debug === true;
  const seconds = (flag: string, least = Number.MIN_VALUE): number | undefined => {
    const text = values[flag] as string | undefined;
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !(value >= least))
      throw new UsageError(
        `--${flag}: expected a number of seconds${least > 0 ? ' above 0' : ''}, got "${text}"`,
      );
    return value;
  };
  return {
    headerTimeoutSeconds: seconds('header-timeout'),
    bodyTimeoutSeconds: seconds('body-timeout'),
    idleTimeoutSeconds: seconds('idle-timeout'),
    shutdownGraceSeconds: seconds('shutdown-grace', 0),
    config: (values.config as string | undefined) ?? env.CONFIG_FILE_PATH ?? env.RETOUCH_CONFIG,
    port,
    host: (values.host as string | undefined) ?? env.HOST ?? '0.0.0.0',
    logLevel: (values['log-level'] as string | undefined) ?? (debug ? 'debug' : (env.LOG_LEVEL ?? 'info')),
    strict: values.strict === true,
    help: values.help === true,
    dataDir: (values['data-dir'] as string | undefined) ?? (env.RETOUCH_DATA_DIR || '.retouch'),
    noPersist: values['no-persist'] === true,
    noDatabase: values['no-database'] === true,
  };
}

/** The config with what the command line overrides. */
function withCliOverrides(config: ProxyConfig, options: CliOptions): ProxyConfig {
  const ms = (seconds: number | undefined, fallback: number) =>
    seconds === undefined ? fallback : Math.ceil(seconds * 1000);
  return {
    ...config,
    shutdownGraceMs: ms(options.shutdownGraceSeconds, config.shutdownGraceMs),
    limits: {
      ...config.limits,
      headerTimeoutMs: ms(options.headerTimeoutSeconds, config.limits.headerTimeoutMs),
      bodyTimeoutMs: ms(options.bodyTimeoutSeconds, config.limits.bodyTimeoutMs),
      idleTimeoutMs: ms(options.idleTimeoutSeconds, config.limits.idleTimeoutMs),
    },
  };
}

/** Where the `retouch` command keeps keys, budgets and spend. */
function storeOptions(config: ProxyConfig, options: CliOptions): StoreOptions | false {
  if (config.databaseUrl) return { url: config.databaseUrl };
  if (options.noDatabase) return false;
  return options.noPersist ? {} : { dataDir: resolve(options.dataDir) };
}

/** The same, for the start-up line (never the URL's password). */
function describeStore(config: ProxyConfig, options: CliOptions): string {
  if (config.databaseUrl) {
    try {
      const url = new URL(config.databaseUrl);
      return `database postgres://${url.host}${url.pathname}`;
    } catch {
      return 'database PostgreSQL';
    }
  }
  if (options.noDatabase) return 'no database';
  return options.noPersist
    ? 'embedded database in memory'
    : `embedded database in ${resolve(options.dataDir)}`;
}

/** Where `main` writes and what it reads. */
export interface MainIO {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  env?: Readonly<Record<string, string | undefined>>;
  /** Logger for the server. Defaults to pino JSON lines on stdout at the chosen level. */
  logger?: Logger;
  /** Install SIGINT / SIGTERM handlers that close the server. Defaults to true. */
  handleSignals?: boolean;
  /** Node's own flags, read for the young-generation tip at startup. Defaults to `process.execArgv`. */
  execArgv?: readonly string[];
}

/** What `main` returns: an exit code, and the running server when it started. */
export interface MainResult {
  exitCode: number;
  server?: ProxyServer;
  url?: string;
}

/**
 * Runs the `retouch` command: returns once the server listens (or failed to start).
 *
 * @example
 * ```ts
 * import { main } from '@retouch/proxy';
 * const { url, server } = await main(['--config', 'config.yaml', '--port', '0', '--host', '127.0.0.1'], { handleSignals: false });
 * console.log(url); // http://127.0.0.1:54321
 * await server?.close();
 * ```
 */
export async function main(argv: readonly string[], io: MainIO = {}): Promise<MainResult> {
  const out = io.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (argv[0] === 'models') {
    return { exitCode: await modelsCommand(argv.slice(1), { stdout: out, stderr: err, env: io.env }) };
  }
  let options: CliOptions;
  try {
    options = parseCliArgs(argv, io.env);
  } catch (error) {
    err(`retouch: ${(error as Error).message}\n\n${USAGE}`);
    return { exitCode: 2 };
  }
  if (options.help) {
    out(USAGE);
    return { exitCode: 0 };
  }
  if (!options.config) {
    err(`retouch: --config is required\n\n${USAGE}`);
    return { exitCode: 2 };
  }
  let server: ProxyServer;
  try {
    const config = withCliOverrides(
      await loadConfig(options.config, { env: io.env, strict: options.strict }),
      options,
    );
    server = await createProxyServer({
      config,
      logger: io.logger ?? pino({ level: options.logLevel }),
      store: storeOptions(config, options),
    });
  } catch (error) {
    err(
      error instanceof ConfigError
        ? `retouch: ${error.message}`
        : `retouch: cannot start: ${(error as Error).message}`,
    );
    return { exitCode: 1 };
  }
  let url: string;
  try {
    url = await server.listen({ port: options.port, host: options.host });
  } catch (error) {
    await server.close().catch(() => {});
    err(`retouch: cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`);
    return { exitCode: 1 };
  }
  out(
    `retouch proxy listening on ${url} (config ${options.config}; ${server.router.modelGroups().length} model groups; ${describeStore(server.config, options)})`,
  );
  if (server.app.hasRoute({ method: 'GET', url: '/ui/' })) out(`retouch console: ${url}/ui`);
  const hint = youngGenerationHint(io.execArgv);
  if (hint) out(hint);
  if (io.handleSignals !== false) {
    const graceMs = server.config.shutdownGraceMs;
    const stop = (signal: string) => {
      out(`retouch: ${signal}, shutting down (calls in flight get ${graceMs / 1000} s)`);
      // Whatever happens, the process is gone within the grace period plus a second.
      setTimeout(() => {
        err('retouch: shutdown did not finish within its grace period; exiting');
        process.exit(1);
      }, graceMs + 900).unref();
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // With node --expose-gc, SIGUSR2 forces a full collection (soak tests, leak hunts).
    const gc = (globalThis as { gc?: () => void }).gc;
    if (typeof gc === 'function') process.on('SIGUSR2', () => gc());
  }
  return { exitCode: 0, server, url };
}
