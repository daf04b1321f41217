import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { NotFoundError } from './errors.js';
import { importInstalledPackage, isMissingPackage } from './provider-import.js';
import { loadProviderPackage, registerProvider, unregisterProvider } from './registry.js';

/** A package in an app's `node_modules` that core cannot see from its own files. */
function writePackage(
  app: string,
  name: string,
  manifest: Record<string, unknown>,
  files: Record<string, string>,
) {
  const dir = join(app, 'node_modules', name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', type: 'module', ...manifest }),
  );
}

const PROVIDER_SOURCE = (prefix: string) => `export const providerPackage = {
  prefix: '${prefix}',
  create: () => ({ id: '${prefix}', capabilities: () => undefined, models: () => [], imageEdit: async () => ({ images: [], warnings: [] }) }),
};
`;

let app: string;
const cwd = process.cwd();
const argv1 = process.argv[1];

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'retouch-provider-import-'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  writePackage(
    app,
    '@acme/retouch-provider-plain',
    { exports: { '.': { types: './index.d.ts', default: './index.js' } } },
    { 'index.js': PROVIDER_SOURCE('acmeplain') },
  );
  // ESM-only: `require.resolve` refuses a package whose exports have `import` and no `default`.
  writePackage(
    app,
    '@acme/retouch-provider-esm',
    { exports: { '.': { node: { import: './dist/main.js' } } } },
    { 'dist/main.js': PROVIDER_SOURCE('acmeesm') },
  );
  writePackage(
    app,
    '@acme/retouch-provider-broken',
    { exports: './index.js' },
    { 'index.js': `import 'retouch-missing-dependency-of-a-provider';\n${PROVIDER_SOURCE('acmebroken')}` },
  );
});

afterEach(() => {
  process.chdir(cwd);
  process.argv[1] = argv1 as string;
  for (const prefix of ['acmeplain', 'acmeesm', 'acmebroken']) unregisterProvider(prefix);
});

afterAll(() => {
  rmSync(app, { recursive: true, force: true });
});

describe('importInstalledPackage: providers the app installed, wherever core is', () => {
  it('finds a package installed in the working directory', async () => {
    await expect(importInstalledPackage('@acme/retouch-provider-plain')).rejects.toThrow(
      /Cannot find (module|package) '@acme\/retouch-provider-plain'/,
    );
    process.chdir(app);
    const mod = (await importInstalledPackage('@acme/retouch-provider-plain')) as {
      providerPackage: { prefix: string };
    };
    expect(mod.providerPackage.prefix).toBe('acmeplain');
  });

  it("finds a package installed next to the app's main script (a CLI started from elsewhere)", async () => {
    process.argv[1] = join(app, 'bin', 'serve.js');
    registerProvider('acmeplain', '@acme/retouch-provider-plain');
    const pkg = await loadProviderPackage('acmeplain');
    expect(pkg.prefix).toBe('acmeplain');
  });

  it('finds an ESM-only package (exports with `import` conditions only)', async () => {
    process.chdir(app);
    registerProvider('acmeesm', '@acme/retouch-provider-esm');
    expect((await loadProviderPackage('acmeesm')).prefix).toBe('acmeesm');
  });

  it("reports an installed provider whose own dependency is missing as that error, not as 'not installed'", async () => {
    process.chdir(app);
    registerProvider('acmebroken', '@acme/retouch-provider-broken');
    const error = await loadProviderPackage('acmebroken').catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(NotFoundError);
    expect(String((error as Error).message)).toContain('retouch-missing-dependency-of-a-provider');
  });

  it('says what to install when the app has not installed the provider', async () => {
    process.chdir(app);
    registerProvider('acmeplain', '@acme/retouch-provider-missing');
    const error = await loadProviderPackage('acmeplain').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain('npm install @acme/retouch-provider-missing');
  });
});

describe('isMissingPackage', () => {
  it('is true only when the named package itself is missing', () => {
    const missing = Object.assign(
      new Error("Cannot find package '@retouch/provider-x' imported from /a.js"),
      {
        code: 'ERR_MODULE_NOT_FOUND',
      },
    );
    expect(isMissingPackage(missing, '@retouch/provider-x')).toBe(true);
    expect(isMissingPackage(missing, '@retouch/provider')).toBe(false);
    expect(isMissingPackage(new Error('boom'), '@retouch/provider-x')).toBe(false);
  });
});
