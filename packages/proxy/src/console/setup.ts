/**
 * Whether this proxy serves the web console, and what the console needs from start-up: its
 * recorder (a router callback) and its built files.
 * @module
 */
import { consoleAssetsDir } from '@retouch/proxy-console';
import type { FastifyInstance } from 'fastify';
import type { ProxyConfig } from '../config/proxy-config.js';
import type { ProxyContext } from '../context.js';
import { registerConsoleRoutes } from '../routes/console.js';
import { ConsoleRecorder } from './recorder.js';
import { loadConsoleFiles } from './static-files.js';

/** Settings of the web console (`createProxyServer({ console })`). */
export interface ConsoleOptions {
  /** Folder of the built console. Defaults to the one `@retouch/proxy-console` ships. */
  assetsDir?: string;
  /** Edits kept in memory for the Logs page. Defaults to 1000. */
  logCapacity?: number;
}

/** A console ready to be registered on the app. */
export interface ConsoleSetup {
  readonly recorder: ConsoleRecorder;
  register(app: FastifyInstance, ctx: ProxyContext): void;
}

const TRUE = /^(1|true|yes|on)$/i;

/**
 * Prepares the console unless it is turned off (`console: false`, `general_settings.disable_admin_ui`,
 * or `DISABLE_ADMIN_UI=true` as in LiteLLM). A console that is not built still answers its API and
 * says so on its pages.
 *
 * @example
 * ```ts
 * const ui = await prepareConsole(config, {});
 * const router = await Router.create({ ...config.router, callbacks: ui ? [ui.recorder.callback] : [] });
 * ui?.register(app, ctx);
 * ```
 */
export async function prepareConsole(
  config: ProxyConfig,
  options: ConsoleOptions | false | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ConsoleSetup | undefined> {
  if (options === false || config.disableAdminUi === true || TRUE.test(env.DISABLE_ADMIN_UI ?? ''))
    return undefined;
  const recorder = new ConsoleRecorder({ capacity: options?.logCapacity });
  const files = await loadConsoleFiles(options?.assetsDir ?? consoleAssetsDir()).catch((error: unknown) => ({
    error: String((error as { message?: unknown } | undefined)?.message ?? error),
  }));
  return {
    recorder,
    register: (app, ctx) => registerConsoleRoutes(app, ctx, { recorder, files }),
  };
}
