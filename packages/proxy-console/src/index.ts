/**
 * `@retouch/proxy-console`: the retouch proxy's web console as static files (built with Vite into
 * `dist/ui`), and the JSON shapes of the console API the proxy serves at `/ui/api`.
 * `@retouch/proxy` serves these files at `/ui`; nothing here runs on the server.
 * @module
 */
import { fileURLToPath } from 'node:url';

export type {
  ConsoleConfigKey,
  ConsoleDeployment,
  ConsoleFailure,
  ConsoleKeys,
  ConsoleLogEntry,
  ConsoleLogin,
  ConsoleLogs,
  ConsoleMinute,
  ConsoleModelGroup,
  ConsoleModels,
  ConsoleOverview,
  ConsoleSession,
  ConsoleSpend,
} from './api-types.js';

/**
 * The folder of the built console (`index.html`, `login.html`, `assets/`). It exists once the
 * package is built (`pnpm build`); the published package ships it.
 *
 * @example
 * ```ts
 * import { readdir } from 'node:fs/promises';
 * import { consoleAssetsDir } from '@retouch/proxy-console';
 * console.log(await readdir(consoleAssetsDir())); // ['assets', 'index.html', 'login.html']
 * ```
 */
export function consoleAssetsDir(): string {
  // The same relative path from src/index.ts (sources) and dist/index.js (the build).
  return fileURLToPath(new URL('../dist/ui/', import.meta.url));
}
