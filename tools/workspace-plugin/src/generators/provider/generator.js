/**
 * `nx g @retouch/workspace-plugin:provider <name> [--prefix <prefix>]`: scaffolds
 * `packages/provider-<name>` with the layout every provider package has (see DESIGN.md, "A provider
 * package"), a model catalogue with one example row whose sources are TODOs (its test fails until
 * real rows replace it), `@retouch/testing`'s conformance suite wired to a 501 simulator stub (it
 * fails until the mapping and the simulator are written), a changeset, its row in the root README's
 * provider table and its root tsconfig reference.
 *
 * Plain ESM with JSDoc types: Nx 24 loads a local generator with `require()`, which takes ESM on
 * Node >= 20.19 and needs no TypeScript transpiler. The devkit comes from `nx` itself (`@nx/devkit`
 * would have to match nx 24.0.6 exactly, and the registry stops at 23.x).
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { logger, readJson, updateJson } from 'nx/src/devkit-exports.js';
import { generateFiles, OverwriteStrategy } from 'nx/src/generators/utils/generate-files.js';
import { providerNames } from './names.js';
import { addProviderRow } from './readme-table.js';

/** @typedef {import('nx/src/devkit-exports.js').Tree} Tree */
/** @typedef {import('nx/src/devkit-exports.js').GeneratorCallback} GeneratorCallback */
/** @typedef {import('./names.js').ProviderNames} ProviderNames */

/**
 * @typedef {object} ProviderGeneratorSchema
 * @property {string} name kebab-case provider name (`acme-ai`)
 * @property {string} [prefix] model prefix; defaults to the name in snake_case (`acme_ai`)
 * @property {boolean} [skipFormat] skip `biome format` on the generated package
 */

const FILES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'files');

/**
 * Writes the package from the templates in `./files` (`__name__` in paths, EJS in contents,
 * `.template` suffix dropped).
 * @param {Tree} tree
 * @param {ProviderNames} names
 */
function writePackage(tree, names) {
  // The provider file's exports as index.ts lists them, sorted like biome sorts named specifiers.
  const providerExports = [`create${names.className}`, names.propertyName, 'providerPackage']
    .sort((a, b) => a.localeCompare(b))
    .join(', ');
  const substitutions = { ...names, providerExports, tmpl: '' };
  generateFiles(tree, FILES, names.projectRoot, substitutions, {
    overwriteStrategy: OverwriteStrategy.ThrowIfExisting,
  });
}

/**
 * @param {Tree} tree
 * @param {ProviderNames} names
 */
function writeChangeset(tree, names) {
  tree.write(
    `.changeset/provider-${names.name}-scaffold.md`,
    [
      '---',
      `"${names.packageName}": minor`,
      '---',
      '',
      `Add \`${names.packageName}\` (model prefix \`${names.prefix}\`), scaffolded with \`nx g @retouch/workspace-plugin:provider ${names.name}\`. Its image-edit mapping is not implemented yet: every call fails with a 501 \`InternalServerError\` (\`code: 'not_implemented'\`) until it is written, and its catalogue lists one example model, not the vendor's.`,
      '',
    ].join('\n'),
  );
}

/**
 * Appends the provider's row to the README's provider table; creates the table (or the README) when
 * missing. Never rewrites anything else.
 * @param {Tree} tree
 * @param {ProviderNames} names
 */
function addReadmeRow(tree, names) {
  const readme = tree.exists('README.md') ? (tree.read('README.md', 'utf-8') ?? '') : '';
  const next = addProviderRow(readme, names);
  if (next !== readme) tree.write('README.md', next);
}

/**
 * Adds the package to the root `tsconfig.json` solution references (after the other providers), if
 * that file exists.
 * @param {Tree} tree
 * @param {ProviderNames} names
 */
function addRootReference(tree, names) {
  if (!tree.exists('tsconfig.json')) return;
  const ref = `./${names.projectRoot}`;
  /** @param {string} p */
  const normal = (p) => p.replace(/^\.\//, '').replace(/\/+$/, '');
  /** @type {{ references?: { path: string }[] }} */
  const json = readJson(tree, 'tsconfig.json');
  if (json.references?.some((r) => normal(r.path) === normal(ref))) return;
  updateJson(tree, 'tsconfig.json', (/** @type {{ references?: { path: string }[] }} */ root) => {
    const refs = root.references ?? [];
    let at = refs.length;
    for (let i = 0; i < refs.length; i++) {
      if (normal(refs[i]?.path ?? '').startsWith('packages/provider-')) at = i + 1;
    }
    refs.splice(at, 0, { path: ref });
    root.references = refs;
    return root;
  });
}

/**
 * Formats the new package with the workspace's biome (Nx's own formatFiles only knows prettier and
 * oxfmt), so long names cannot break the package's `lint` target.
 * @param {Tree} tree
 * @param {ProviderNames} names
 */
function formatWithBiome(tree, names) {
  const biome = path.join(tree.root, 'node_modules', '.bin', 'biome');
  if (!existsSync(biome)) {
    logger.warn(
      `biome not found at ${biome}; run "pnpm biome format --write ${names.projectRoot}" yourself.`,
    );
    return;
  }
  try {
    execFileSync(biome, ['format', '--write', names.projectRoot], { cwd: tree.root, stdio: 'pipe' });
  } catch (error) {
    logger.warn(`biome format failed on ${names.projectRoot}: ${/** @type {Error} */ (error).message}`);
  }
}

/**
 * The generator.
 *
 * @example
 * // pnpm nx g @retouch/workspace-plugin:provider acme-ai --prefix acme
 *
 * @param {Tree} tree
 * @param {ProviderGeneratorSchema} options
 * @returns {Promise<GeneratorCallback>}
 */
export async function providerGenerator(tree, options) {
  const names = providerNames(options.name, options.prefix);
  if (tree.exists(names.projectRoot)) {
    throw new Error(`${names.projectRoot} already exists; remove it first or choose another name.`);
  }
  writePackage(tree, names);
  writeChangeset(tree, names);
  addReadmeRow(tree, names);
  addRootReference(tree, names);

  return () => {
    if (!options.skipFormat) formatWithBiome(tree, names);
    logger.info(
      [
        '',
        `Scaffolded ${names.packageName} (prefix ${names.prefix}). Next:`,
        '  pnpm install',
        `  pnpm --filter ${names.packageName} typecheck   # passes`,
        `  pnpm --filter ${names.packageName} test        # fails until it is implemented, by design`,
        `Then write src/${names.name}-capabilities.ts, the rows and sources of src/${names.name}-catalogue.ts,`,
        `src/${names.name}-options.ts, src/${names.name}-image-edit.ts and the simulator in`,
        `src/${names.name}-simulator.ts, and fit src/${names.name}-conformance.test.ts to the wire format`,
        '(see its README).',
      ].join('\n'),
    );
  };
}

export default providerGenerator;
