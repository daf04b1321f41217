/**
 * What a packed package must hold to work once published, checked on the unpacked tarball: its
 * LICENSE and README, no `workspace:` ranges left, every `exports` and `bin` target, source maps
 * whose sources are inside the tarball (or inlined), and no tests or build leftovers.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Every file under `dir`, as paths relative to it.
 * @param {string} dir
 * @returns {string[]}
 */
export function listFiles(dir) {
  /** @type {string[]} */
  const out = [];
  /** @param {string} at */
  const walk = (at) => {
    for (const entry of readdirSync(at)) {
      const full = join(at, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Every file path an `exports` value names (all conditions).
 * @param {unknown} value
 * @returns {string[]}
 */
function exportTargets(value) {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(exportTargets);
  if (value && typeof value === 'object') return Object.values(value).flatMap(exportTargets);
  return [];
}

/**
 * The dependency ranges that still say `workspace:` (pnpm rewrites them when it packs).
 * @param {Record<string, unknown>} manifest
 * @returns {string[]}
 */
function workspaceRanges(manifest) {
  const fields = ['dependencies', 'peerDependencies', 'optionalDependencies'];
  return fields.flatMap((field) =>
    Object.entries(/** @type {Record<string, string>} */ (manifest[field] ?? {}))
      .filter(([, range]) => String(range).startsWith('workspace:'))
      .map(([name, range]) => `${field}.${name}: ${range}`),
  );
}

/**
 * Source-map problems: a `sources` entry that is neither in the package nor inlined.
 * @param {string} root the unpacked package
 * @param {string} mapFile relative to `root`
 * @returns {string[]}
 */
function mapProblems(root, mapFile) {
  const map = JSON.parse(readFileSync(join(root, mapFile), 'utf-8'));
  const base = resolve(root, dirname(mapFile), map.sourceRoot ?? '');
  /** @type {string[]} */
  const problems = [];
  (map.sources ?? []).forEach((/** @type {string} */ source, /** @type {number} */ i) => {
    if (typeof map.sourcesContent?.[i] === 'string') return;
    const target = resolve(base, source);
    if (!target.startsWith(`${root}/`) || !existsSync(target)) {
      problems.push(`${mapFile}: source ${source} is not in the package`);
    }
  });
  return problems;
}

/**
 * Everything wrong with one unpacked package (empty when it is fit to publish).
 * @param {string} root the unpacked tarball's `package/` directory
 * @returns {string[]}
 */
export function packageProblems(root) {
  const files = listFiles(root);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf-8'));
  /** @type {string[]} */
  const problems = [];
  for (const required of ['LICENSE', 'README.md']) {
    if (!files.includes(required)) problems.push(`no ${required}`);
  }
  if (files.includes('LICENSE') && !/MIT License/.test(readFileSync(join(root, 'LICENSE'), 'utf-8'))) {
    problems.push('LICENSE is not the MIT licence that package.json declares');
  }
  problems.push(...workspaceRanges(manifest).map((range) => `unpublishable range ${range}`));
  const bins = typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {});
  for (const target of [...exportTargets(manifest.exports), ...bins]) {
    if (!existsSync(join(root, target))) problems.push(`${target} (exports/bin) is not in the package`);
  }
  /** @type {string[]} */
  const maps = [];
  for (const file of files) {
    if (/\.test\.[cm]?[jt]s$/.test(file)) problems.push(`test file ${file} is packed`);
    if (file.endsWith('.tsbuildinfo')) problems.push(`build state ${file} is packed`);
    if (file.endsWith('.map')) maps.push(...mapProblems(root, file));
  }
  if (maps.length > 3) {
    problems.push(
      `${maps.length} source-map sources are not in the package (sources not shipped, or stale dist/ output), e.g. ${maps[0]}`,
    );
  } else {
    problems.push(...maps);
  }
  return problems;
}
