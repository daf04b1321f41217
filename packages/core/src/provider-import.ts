/**
 * Importing a provider package by name from wherever the app installed it. Core declares no
 * dependency on any provider (that would make a dependency cycle: every provider depends on core),
 * so a plain `import(name)` from core's own files finds a provider only where the package manager
 * put it next to core (npm's flat `node_modules`, pnpm's `.pnpm` store under the app). Linked and
 * workspace installs keep core elsewhere, so the name is also resolved the way the app itself would
 * resolve it: from its working directory and from its main script.
 * @module
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Whether `error` says that `name` itself (not something it imports) cannot be found. */
export function isMissingPackage(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = String((error as { message?: unknown } | null)?.message ?? error);
  const notFound =
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    /Cannot find (module|package)/.test(message);
  return notFound && message.includes(`'${name}'`);
}

/** Files the app's own imports resolve from (the files need not exist: only their directory counts). */
function appBases(): string[] {
  const bases = [join(process.cwd(), 'package.json')];
  const main = process.argv[1];
  if (main) {
    bases.push(main);
    try {
      bases.push(realpathSync(main));
    } catch {
      // A main script that is gone (or `-e`) adds nothing.
    }
  }
  return [...new Set(bases)];
}

const ESM_CONDITIONS = ['node', 'import', 'default'];

/** The file an `exports` value points at under Node's ESM conditions. */
function exportTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const target = exportTarget(item);
      if (target) return target;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    const conditions = value as Record<string, unknown>;
    for (const [key, next] of Object.entries(conditions)) {
      if (ESM_CONDITIONS.includes(key)) {
        const target = exportTarget(next);
        if (target) return target;
      }
    }
  }
  return undefined;
}

/**
 * The entry of an ESM-only package (`exports` with `import` and no `require`/`default`), which
 * `require.resolve` refuses: found through the directories it would have searched.
 */
function esmEntry(require: NodeJS.Require, name: string): string | undefined {
  for (const dir of require.resolve.paths(name) ?? []) {
    const manifest = join(dir, name, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf-8')) as { exports?: unknown; main?: string };
    const exported = pkg.exports;
    const dot =
      exported && typeof exported === 'object' && !Array.isArray(exported) && '.' in exported
        ? (exported as Record<string, unknown>)['.']
        : exported;
    const target = exportTarget(dot) ?? pkg.main ?? 'index.js';
    return join(dirname(manifest), target);
  }
  return undefined;
}

/** Resolves `name` as the app would, or `undefined` when the app has not installed it. */
function resolveFromApp(name: string): string | undefined {
  for (const base of appBases()) {
    const require = createRequire(base);
    try {
      return require.resolve(name);
    } catch (error) {
      // Node says ERR_PACKAGE_PATH_NOT_EXPORTED for an ESM-only package; Jest's resolver says "not found".
      const esmOnly = (error as { code?: unknown }).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
      if (!esmOnly && !isMissingPackage(error, name)) throw error;
      const entry = esmEntry(require, name);
      if (entry) return entry;
    }
  }
  return undefined;
}

/**
 * Imports the package `name`: next to core first, else from the app's working directory or main
 * script. Rejects with the first "cannot find" error when it is installed nowhere; any other error
 * (a provider whose own dependency is missing, a syntax error) is thrown as it is.
 *
 * @example
 * ```ts
 * const { providerPackage } = (await importInstalledPackage('@retouch/provider-gemini')) as {
 *   providerPackage: ProviderPackage;
 * };
 * ```
 */
export async function importInstalledPackage(name: string): Promise<unknown> {
  try {
    return await import(name);
  } catch (error) {
    if (!isMissingPackage(error, name)) throw error;
    const resolved = resolveFromApp(name);
    if (resolved === undefined) throw error;
    return import(pathToFileURL(resolved).href);
  }
}
