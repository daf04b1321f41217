/**
 * What every publishable package must say in its manifest to work once published, checked on the
 * files themselves (no build, so the merge queue catches a new package at once; the release check in
 * `.ci/run` then packs, installs and imports them): the licence, public access, the sources its
 * source maps point at, no tests or build state, and no dependency cycle in the workspace.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { publishablePackages, ROOT } from '../pack.mjs';

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  type?: string;
  files?: string[];
  publishConfig?: { access?: string; exports?: Record<string, Record<string, string>> };
  exports?: Record<string, Record<string, string>>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const packages = publishablePackages() as { name: string; dir: string; manifest: Manifest }[];
const rootLicense = readFileSync(join(ROOT, 'LICENSE'), 'utf-8');

function workspaceManifests(): Manifest[] {
  const dirs = [
    ...['packages', 'tools'].flatMap((parent) =>
      readdirSync(join(ROOT, parent)).map((entry) => join(ROOT, parent, entry)),
    ),
    join(ROOT, 'examples'),
  ];
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf-8')) as Manifest);
}

/** The entries the tarball's manifest has: `publishConfig.exports` replaces `exports` when pnpm packs. */
function publishedExports(manifest: Manifest): Record<string, Record<string, string>> {
  return manifest.publishConfig?.exports ?? manifest.exports ?? {};
}

describe('every publishable package', () => {
  it('is found (packages/* that are not private)', () => {
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['@retouch/core', '@retouch/proxy']));
  });

  it.each(packages.map((p) => [p.name, p] as const))(
    '%s: MIT LICENSE, public access, an ES module',
    (_, pkg) => {
      expect(readFileSync(join(pkg.dir, 'LICENSE'), 'utf-8')).toBe(rootLicense);
      expect(pkg.manifest.license).toBe('MIT');
      expect(pkg.manifest.publishConfig?.access).toBe('public');
      expect(pkg.manifest.type).toBe('module');
    },
  );

  it.each(packages.map((p) => [p.name, p] as const))(
    '%s: ships dist and the sources of its source maps, without tests, test support or build state',
    (_, pkg) => {
      const files = pkg.manifest.files ?? [];
      expect(files).toEqual(expect.arrayContaining(['dist', '!dist/tsconfig.tsbuildinfo']));
      // Each published entry's source (the @retouch/source condition) is shipped: the maps point at it.
      for (const entry of Object.values(publishedExports(pkg.manifest))) {
        const source = entry['@retouch/source']?.replace(/^\.\//, '');
        if (source)
          expect({ source, shipped: files.some((f) => f === 'src' || f === source) }).toEqual({
            source,
            shipped: true,
          });
      }
      if (files.includes('src')) {
        expect(files).toContain('!src/**/*.test.ts');
        if (existsSync(join(pkg.dir, 'src', 'test-support'))) expect(files).toContain('!src/test-support');
      }
    },
  );

  it.each(packages.map((p) => [p.name, p] as const))(
    '%s: an entry only the workspace imports is test support, left out of the tarball',
    (_, pkg) => {
      const published = publishedExports(pkg.manifest);
      const workspaceOnly = Object.entries(pkg.manifest.exports ?? {}).filter(
        ([entry]) => !(entry in published),
      );
      for (const [entry, conditions] of workspaceOnly) {
        // Only the source condition (nothing in dist/ to resolve), and a file the tarball does not ship.
        expect({ entry, conditions: Object.keys(conditions) }).toEqual({
          entry,
          conditions: ['@retouch/source'],
        });
        expect({ entry, source: conditions['@retouch/source'] }).toEqual({
          entry,
          source: expect.stringMatching(/^\.\/src\/test-support\//),
        });
      }
      // Every published entry is also a workspace entry, with the same conditions.
      for (const [entry, conditions] of Object.entries(published)) {
        expect({ entry, conditions }).toEqual({ entry, conditions: pkg.manifest.exports?.[entry] });
      }
    },
  );
});

describe('the workspace', () => {
  it('has no dependency cycle (pnpm warns of one on every command)', () => {
    const manifests = workspaceManifests();
    const names = new Set(manifests.map((m) => m.name));
    const edges = new Map(
      manifests.map((m) => [
        m.name,
        Object.keys({
          ...m.dependencies,
          ...m.devDependencies,
          ...m.peerDependencies,
          ...m.optionalDependencies,
        }).filter((d) => names.has(d) && d !== m.name),
      ]),
    );
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, path: string[]) => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(name)), name].join(' → '));
        return;
      }
      state.set(name, 'visiting');
      for (const next of edges.get(name) ?? []) visit(next, [...path, name]);
      state.set(name, 'done');
    };
    for (const name of names) visit(name, []);
    expect(cycles).toEqual([]);
  });
});
