#!/usr/bin/env node
/**
 * Packs every publishable package (`packages/*` that is not private) the way `pnpm publish` would
 * (`workspace:` ranges rewritten to versions) into one directory, for installing a checkout into an
 * app before anything is on the registry, and for the release check.
 *
 * Usage: `node tools/release/pack.mjs [dest]` (default `packs/` at the repository root), after
 * `pnpm build`. Prints each tarball's path.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** @typedef {{ name: string, dir: string, manifest: Record<string, any> }} PublishablePackage */

/** @returns {PublishablePackage[]} the packages that `pnpm publish -r` publishes */
export function publishablePackages() {
  return readdirSync(join(ROOT, 'packages'))
    .map((entry) => join(ROOT, 'packages', entry))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf-8')) }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ dir, manifest }) => ({ name: manifest.name, dir, manifest }));
}

/**
 * Packs each package into `dest`.
 * @param {PublishablePackage[]} packages
 * @param {string} dest
 * @returns {Record<string, string>} package name → tarball path
 */
export function packAll(packages, dest) {
  /** @type {Record<string, string>} */
  const tarballs = {};
  for (const pkg of packages) {
    if (!existsSync(join(pkg.dir, 'dist')))
      throw new Error(`${pkg.name} has no dist/: run \`pnpm build\` first`);
    const out = execFileSync('pnpm', ['pack', '--pack-destination', dest, '--json'], {
      cwd: pkg.dir,
      encoding: 'utf-8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    tarballs[pkg.name] = JSON.parse(out).filename;
  }
  return tarballs;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dest = resolve(process.argv[2] ?? join(ROOT, 'packs'));
  for (const tarball of Object.values(packAll(publishablePackages(), dest))) console.log(tarball);
}
