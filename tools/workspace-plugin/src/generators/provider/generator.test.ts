import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { catalogueProblems, type ProviderCatalogue } from '@retouch/core';
import { readJson, type Tree } from 'nx/src/devkit-exports.js';
import { createTreeWithEmptyWorkspace } from 'nx/src/devkit-testing-exports.js';
import { providerGenerator } from './generator.js';
import { providerNames } from './names.js';
import { addProviderRow } from './readme-table.js';

const WORKSPACE = join(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const ROOT = 'packages/provider-acme-ai';

const README = `# retouch

Intro.

## Providers

| Package | Prefix | Credentials (env) | Base URL override |
|---|---|---|---|
| \`@retouch/provider-openai\` | \`openai\` (and bare \`gpt-image-*\`) | \`OPENAI_API_KEY\` | \`OPENAI_BASE_URL\` |

Planned next: gemini.

## Packages

| Package | What it is |
|---|---|
| [\`@retouch/core\`](packages/core) | contract |
`;

const ROOT_TSCONFIG = {
  files: [],
  references: [
    { path: './packages/core' },
    { path: './packages/provider-openai' },
    { path: './packages/testing' },
    { path: './examples' },
  ],
};

function createWorkspace(): Tree {
  const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
  tree.write('packages/core/package.json', JSON.stringify({ name: '@retouch/core' }));
  tree.write('README.md', README);
  tree.write('tsconfig.json', `${JSON.stringify(ROOT_TSCONFIG, null, 2)}\n`);
  return tree;
}

const read = (tree: Tree, path: string): string => {
  const text = tree.read(path, 'utf-8');
  if (text === null) throw new Error(`${path} was not generated`);
  return text;
};

/** Every file under `dir`, relative to it, sorted. */
function filesUnder(tree: Tree, dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    for (const child of tree.children(path)) {
      const full = `${path}/${child}`;
      if (tree.isFile(full)) out.push(full.slice(dir.length + 1));
      else walk(full);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Imports a generated module: writes `files` (paths under `root`; the last one is imported) to a
 * temp dir and loads it through jest's TypeScript transform. Only for modules whose imports from
 * outside `files` are `import type` (erased), as the catalogue's are.
 */
async function importGenerated<T>(tree: Tree, root: string, files: string[]): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'retouch-generated-'));
  try {
    for (const file of files) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), read(tree, `${root}/${file}`));
    }
    return (await import(join(dir, files[files.length - 1] as string))) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('providerNames', () => {
  it('derives every name from a kebab-case name', () => {
    expect(providerNames('acme-ai')).toEqual({
      name: 'acme-ai',
      className: 'AcmeAi',
      propertyName: 'acmeAi',
      constantName: 'ACME_AI',
      prefix: 'acme_ai',
      packageName: '@retouch/provider-acme-ai',
      projectRoot: 'packages/provider-acme-ai',
    });
    expect(providerNames('bfl', 'black_forest_labs').prefix).toBe('black_forest_labs');
    expect(providerNames('x2-image').className).toBe('X2Image');
  });

  it.each(['Acme', 'acme_ai', '1acme', 'acme-', '-acme', 'acme--ai', ''])('rejects the name %p', (name) => {
    expect(() => providerNames(name)).toThrow(/kebab-case/);
  });

  it('rejects a name that already starts with provider-, a bad prefix and reserved words', () => {
    expect(() => providerNames('provider-acme')).toThrow(/pass "acme"/);
    expect(() => providerNames('acme', 'Acme-AI')).toThrow(/snake_case/);
    expect(() => providerNames('new')).toThrow(/reserved word/);
  });
});

describe('provider generator', () => {
  let tree: Tree;

  beforeEach(() => {
    tree = createWorkspace();
  });

  it('writes the package in the DESIGN.md layout and nothing else', async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    expect(filesUnder(tree, ROOT)).toEqual([
      'LICENSE',
      'README.md',
      'jest.config.js',
      'package.json',
      'src/acme-ai-capabilities.ts',
      'src/acme-ai-catalogue.test.ts',
      'src/acme-ai-catalogue.ts',
      'src/acme-ai-conformance.test.ts',
      'src/acme-ai-image-edit.ts',
      'src/acme-ai-options.ts',
      'src/acme-ai-provider.test.ts',
      'src/acme-ai-provider.ts',
      'src/acme-ai-simulator.ts',
      'src/index.ts',
      'tsconfig.json',
      'tsconfig.test.json',
    ]);
    for (const file of filesUnder(tree, ROOT)) {
      expect({ file, text: read(tree, `${ROOT}/${file}`) }).toEqual({
        file,
        text: expect.not.stringMatching(/<%|%>|__name__|__className__/),
      });
    }
  });

  it('writes a package.json with the shape, scripts and exports of provider-openai', async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    const openai = JSON.parse(
      readFileSync(join(WORKSPACE, 'packages/provider-openai/package.json'), 'utf-8'),
    );
    const pkg = readJson(tree, `${ROOT}/package.json`);
    expect(Object.keys(pkg)).toEqual(Object.keys(openai));
    expect(pkg.name).toBe('@retouch/provider-acme-ai');
    expect(pkg.version).toBe('0.0.0');
    for (const key of ['license', 'type', 'sideEffects', 'engines', 'exports', 'publishConfig', 'scripts']) {
      expect({ key, value: pkg[key] }).toEqual({ key, value: openai[key] });
    }
    // What is published: provider-openai's files, without the simulator stub that stays out of the build.
    expect(pkg.files).toEqual([...openai.files, '!src/**/*-simulator.ts']);
    expect(pkg.dependencies).toEqual({ '@retouch/core': 'workspace:*', zod: '4.6.7' });
    expect(pkg.devDependencies).toEqual({ '@retouch/testing': 'workspace:*' });
  });

  it('writes the tsconfigs and jest config of provider-openai (the build skips tests and the simulator)', async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    const fromOpenAI = (file: string) =>
      readFileSync(join(WORKSPACE, 'packages/provider-openai', file), 'utf-8');
    const tsconfig = readJson(tree, `${ROOT}/tsconfig.json`);
    expect(tsconfig.extends).toBe('../../tsconfig.base.json');
    expect(tsconfig.references).toEqual([{ path: '../core' }]);
    expect(tsconfig.include).toEqual(['src/**/*.ts']);
    expect(tsconfig.exclude).toEqual(['src/**/*.test.ts', 'src/**/*-simulator.ts']);
    expect(read(tree, `${ROOT}/tsconfig.test.json`)).toBe(fromOpenAI('tsconfig.test.json'));
    expect(read(tree, `${ROOT}/jest.config.js`)).toBe(fromOpenAI('jest.config.js'));
  });

  it('names everything after the provider: create<Name>, the default instance, env vars, prefix', async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    const provider = read(tree, `${ROOT}/src/acme-ai-provider.ts`);
    expect(provider).toContain('export interface AcmeAiProviderSettings {');
    expect(provider).toContain('export function createAcmeAi(settings: AcmeAiProviderSettings = {})');
    expect(provider).toContain('export const acmeAi: ImageEditProvider = createAcmeAi();');
    expect(provider).toContain('export const providerPackage: ProviderPackage = {');
    expect(provider).toContain("const PROVIDER = 'acme_ai';");
    expect(provider).toContain("['ACME_AI_API_KEY']");
    expect(provider).toContain("['ACME_AI_API_BASE']");
    expect(provider).toContain('createProviderHttp({');
    for (const setting of ['apiKey?:', 'baseURL?:', 'headers?:', 'fetch?:', 'timeout?:']) {
      expect(provider).toContain(setting);
    }
    expect(read(tree, `${ROOT}/src/acme-ai-capabilities.ts`)).toContain(
      'export const EXAMPLE_MODEL_CAPABILITIES: ModelCapabilities = {',
    );
    expect(read(tree, `${ROOT}/src/acme-ai-catalogue.ts`)).toContain(
      'export const ACME_AI_CATALOGUE: ProviderCatalogue = {',
    );
    expect(read(tree, `${ROOT}/src/acme-ai-options.ts`)).toContain(
      'export const acmeAiExtrasSchema = z.object({',
    );
    expect(read(tree, `${ROOT}/src/index.ts`)).toBe(
      [
        "export { ACME_AI_CATALOGUE } from './acme-ai-catalogue.js';",
        "export type { AcmeAiProviderSettings } from './acme-ai-provider.js';",
        "export { acmeAi, createAcmeAi, providerPackage } from './acme-ai-provider.js';",
        '',
      ].join('\n'),
    );
  });

  it("builds the provider on its catalogue and core's key, secret and deadline helpers", async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    const provider = read(tree, `${ROOT}/src/acme-ai-provider.ts`);
    expect(provider).toContain("import { ACME_AI_CATALOGUE } from './acme-ai-catalogue.js';");
    expect(provider).toContain('const catalogue = withCustomModels(ACME_AI_CATALOGUE, settings.models);');
    expect(provider).toContain('configurationProblem: () => apiKeyProblem(keySource),');
    expect(provider).toMatch(/\n {4}catalogue,\n/);
    expect(provider).toContain('capabilities: (model) => lookupModel(catalogue, model)?.row.capabilities,');
    expect(provider).toContain('models: () => currentModels(catalogue),');
    expect(provider).toMatch(/\n {4}secrets,\n/);
    expect(provider).toMatch(
      /return withProviderTimeout\(options, settings\.timeout, \(options\) =>\s*acmeAiImageEdit\(http, request, options\),/,
    );
    // Issue 10: a bare AbortSignal.timeout() can be collected before it fires; core's helper holds it.
    expect(provider).not.toContain('AbortSignal');
    // Core streams the final images of a provider without streamImageEdit; the comment says so.
    expect(provider).not.toMatch(/streamImageEdit\(request/);
    expect(provider).toContain(
      "No streamImageEdit: for a provider without one, core's streamImageEdit() sends",
    );
    expect(provider).toContain('catalogue: ACME_AI_CATALOGUE,');
    expect(provider).toContain("settings: ['api_key', 'api_base', 'extra_headers'],");
  });

  it('writes a catalogue with one example row whose sources say they must be replaced, and its test', async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    const catalogue = read(tree, `${ROOT}/src/acme-ai-catalogue.ts`);
    expect(catalogue).toContain("import type { CatalogueRow, ProviderCatalogue } from '@retouch/core';");
    expect(catalogue).toContain("import { EXAMPLE_MODEL_CAPABILITIES } from './acme-ai-capabilities.js';");
    expect(catalogue).toContain("provider: 'acme_ai',");
    expect(catalogue).toContain("model: 'example-model',");
    expect(catalogue).toContain("status: 'active',");
    expect(catalogue).toContain('price: null,');
    for (const kind of ['lifecycle', 'capabilities', 'price']) {
      expect(catalogue).toMatch(new RegExp(`${kind}:\\s*['"]TODO: replace with `));
    }
    expect(catalogue).toContain("families: [{ pattern: 'example-model-*', like: 'example-model' }],");
    const test = read(tree, `${ROOT}/src/acme-ai-catalogue.test.ts`);
    expect(test).toContain("import { catalogueProblems } from '@retouch/core';");
    expect(test).toContain("import { ACME_AI_CATALOGUE } from './acme-ai-catalogue.js';");
    expect(test).toContain('expect(catalogueProblems(ACME_AI_CATALOGUE)).toEqual([]);');
  });

  it("writes a catalogue whose only problems in core's check are its TODOs, so its test fails for that alone", async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    const { ACME_AI_CATALOGUE } = await importGenerated<{ ACME_AI_CATALOGUE: ProviderCatalogue }>(
      tree,
      ROOT,
      ['src/acme-ai-capabilities.ts', 'src/acme-ai-catalogue.ts'],
    );
    expect(catalogueProblems(ACME_AI_CATALOGUE)).toEqual([
      'acme_ai/example-model: sources.lifecycle is still a TODO: name where it was read',
      'acme_ai/example-model: sources.capabilities is still a TODO: name where it was read',
      'acme_ai/example-model: sources.price is still a TODO: name where it was read',
      'acme_ai/example-model: notes are still a TODO',
    ]);
    // With the TODOs replaced by real sources (and a real note), nothing else is wrong.
    const filled: ProviderCatalogue = {
      ...ACME_AI_CATALOGUE,
      rows: ACME_AI_CATALOGUE.rows.map((row) => ({
        ...row,
        sources: {
          lifecycle: 'vendor models page',
          capabilities: 'vendor API reference',
          price: 'vendor pricing',
        },
        notes: 'No price published yet.',
      })),
    };
    expect(catalogueProblems(filled)).toEqual([]);
  });

  it('scaffolds a mapping that validates extras and then fails with a not-implemented InternalServerError', async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    const edit = read(tree, `${ROOT}/src/acme-ai-image-edit.ts`);
    expect(edit).toContain('export async function acmeAiImageEdit(');
    expect(edit).toContain("import { acmeAiExtrasSchema } from './acme-ai-options.js';");
    expect(edit).toMatch(/parseProviderExtras\(\{ request, schema: acmeAiExtrasSchema/);
    expect(edit).toMatch(
      /throw new InternalServerError\(\{\s*message: `\$\{PROVIDER\}: image edits are not implemented yet/,
    );
    expect(edit).toContain("code: 'not_implemented'");
    expect(edit).not.toMatch(/return \{/);
  });

  it("builds the simulator stub on @retouch/testing's startSimulator, answering 501 until it is written", async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    const sim = read(tree, `${ROOT}/src/acme-ai-simulator.ts`);
    expect(sim).toContain(
      "import { type ErrorBodyBuilder, type Simulator, startSimulator } from '@retouch/testing';",
    );
    expect(sim).toMatch(
      /export function startAcmeAiSimulator\(\s*\/\/ biome-ignore[^\n]*\n\s*options: AcmeAiSimulatorOptions = \{\},\s*\): Promise<Simulator> \{/,
    );
    expect(sim).toContain("export const ACME_AI_EDIT_PATH = '/edit';");
    expect(sim).toContain("name: 'acme_ai',");
    expect(sim).toContain(
      "handle: () => ({ status: 501, json: errorBody(501, NOT_WRITTEN, 'not_implemented') }),",
    );
    expect(sim).toContain('The acme-ai simulator is not written yet');
    // What to implement, and where it goes once written.
    expect(sim).toContain('validate each request the');
    expect(sim).toContain("answer with the API's real response and error shapes");
    expect(sim).toMatch(/move it to `packages\/testing` as `startAcmeAiSimulator`/);
    expect(sim).not.toContain('node:http');
  });

  it("wires @retouch/testing's conformance suite to the provider and the simulator stub", async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    const test = read(tree, `${ROOT}/src/acme-ai-conformance.test.ts`);
    expect(test).toContain("import type { ConformanceInspector, RecordedRequest } from '@retouch/testing';");
    expect(test).toContain("import { describeProviderConformance } from '@retouch/testing/conformance';");
    expect(test).toContain("import { ACME_AI_CATALOGUE } from './acme-ai-catalogue.js';");
    expect(test).toContain("import { createAcmeAi } from './acme-ai-provider.js';");
    expect(test).toContain(
      "import { ACME_AI_EDIT_PATH, startAcmeAiSimulator } from './acme-ai-simulator.js';",
    );
    expect(test).toContain('describeProviderConformance({');
    expect(test).toContain("name: 'acme_ai',");
    expect(test).toContain('startSimulator: () => startAcmeAiSimulator({ apiKey: API_KEY }),');
    expect(test).toContain(
      'createProvider: (sim, { apiKey }) => createAcmeAi({ apiKey, baseURL: sim.url }),',
    );
    // Models come from the catalogue's current rows, so cases turn on as the rows are filled in.
    expect(test).toContain("ACME_AI_CATALOGUE.rows.filter((row) => row.status !== 'retired')");
    expect(test).toMatch(/basic: modelWhere\(/);
    for (const model of ['multiImage', 'mask', 'nMultiple', 'nativeUrl']) {
      expect(test).toMatch(new RegExp(`${model}: modelWhere\\(`));
    }
    expect(test).toContain(
      "isEditRequest: (request) => request.method === 'POST' && request.path === ACME_AI_EDIT_PATH,",
    );
    // The inspector reads multipart files and parts, or JSON (data: URLs or bare base64).
    expect(test).toContain('const inspect: ConformanceInspector = {');
    expect(test).toContain('request.files');
    expect(test).toContain('request.fields');
    expect(test).toContain('request.json');
    expect(test).toMatch(/images\(request\)[\s\S]*mask\(request\)[\s\S]*prompt\(request\)/);
    expect(test).toContain("maskConvention: 'alpha-transparent',");
    expect(test).toContain("nStrategy: 'native',");
  });

  it('keeps unit tests that hold from the start (prefix, catalogue, models setting, missing key, extras), with no simulator', async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    const test = read(tree, `${ROOT}/src/acme-ai-provider.test.ts`);
    expect(test).toContain("expect(providerPackage.prefix).toBe('acme_ai');");
    expect(test).toContain('expect(providerPackage.catalogue).toBe(ACME_AI_CATALOGUE);');
    expect(test).toContain("expect(providerPackage.create({ api_key: 'key' }).id).toBe('acme_ai');");
    expect(test).toContain('expect(provider.models()).toEqual(currentModels(ACME_AI_CATALOGUE));');
    expect(test).toContain("createAcmeAi({ models: { 'custom-model': capabilities } })");
    expect(test).toContain("expect(createAcmeAi().configurationProblem?.()).toContain('ACME_AI_API_KEY');");
    expect(test).toContain('.rejects.toBeInstanceOf(UnsupportedParamsError);');
    expect(test).toContain('expect(calls).toHaveLength(0);');
    expect(test).not.toContain("from './acme-ai-simulator.js'");
    expect(test).not.toContain('describeProviderConformance(');
    expect(test).not.toContain('catalogueProblems');
  });

  it('uses --prefix for the model prefix but keeps the env vars on the name', async () => {
    await providerGenerator(tree, { name: 'acme-ai', prefix: 'acme' });
    const provider = read(tree, `${ROOT}/src/acme-ai-provider.ts`);
    expect(provider).toContain("const PROVIDER = 'acme';");
    expect(provider).toContain("['ACME_AI_API_KEY']");
    expect(read(tree, `${ROOT}/src/acme-ai-provider.test.ts`)).toContain(
      "expect(providerPackage.prefix).toBe('acme');",
    );
    expect(read(tree, `${ROOT}/src/acme-ai-conformance.test.ts`)).toContain("name: 'acme',");
    expect(read(tree, `${ROOT}/src/acme-ai-simulator.ts`)).toContain("name: 'acme',");
    expect(read(tree, `${ROOT}/src/acme-ai-catalogue.ts`)).toContain("provider: 'acme',");
    expect(read(tree, 'README.md')).toContain(
      '| `@retouch/provider-acme-ai` | `acme` | `ACME_AI_API_KEY` | `ACME_AI_API_BASE` |',
    );
  });

  it('adds a minor changeset for the new package', async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    const changeset = read(tree, '.changeset/provider-acme-ai-scaffold.md');
    expect(changeset.startsWith('---\n"@retouch/provider-acme-ai": minor\n---\n\n')).toBe(true);
    expect(changeset).toContain('not implemented');
    expect(changeset).toContain('one example model');
  });

  it('appends one row to the README provider table and changes nothing else', async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    const after = read(tree, 'README.md').split('\n');
    const before = README.split('\n');
    const row = '| `@retouch/provider-acme-ai` | `acme_ai` | `ACME_AI_API_KEY` | `ACME_AI_API_BASE` |';
    const at = after.indexOf(row);
    expect(at).toBe(before.findIndex((line) => line.startsWith('| `@retouch/provider-openai`')) + 1);
    after.splice(at, 1);
    expect(after).toEqual(before);
  });

  it('creates a minimal README with the table when there is none', async () => {
    tree.delete('README.md');
    await providerGenerator(tree, { name: 'acme-ai' });
    expect(read(tree, 'README.md')).toBe(
      [
        '# retouch',
        '',
        '## Providers',
        '',
        '| Package | Prefix | Credentials (env) | Base URL override |',
        '|---|---|---|---|',
        '| `@retouch/provider-acme-ai` | `acme_ai` | `ACME_AI_API_KEY` | `ACME_AI_API_BASE` |',
        '',
      ].join('\n'),
    );
  });

  it('appends a provider section to a README without a provider table, keeping its text', async () => {
    tree.write('README.md', '# retouch\n\n| Package | What it is |\n|---|---|\n| core | contract |\n');
    await providerGenerator(tree, { name: 'acme-ai' });
    const readme = read(tree, 'README.md');
    expect(
      readme.startsWith(
        '# retouch\n\n| Package | What it is |\n|---|---|\n| core | contract |\n\n## Providers\n',
      ),
    ).toBe(true);
    expect(readme).toContain('| `@retouch/provider-acme-ai` | `acme_ai` |');
  });

  it('adds the package to the root tsconfig references after the other providers, if the file exists', async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    expect(readJson(tree, 'tsconfig.json').references).toEqual([
      { path: './packages/core' },
      { path: './packages/provider-openai' },
      { path: './packages/provider-acme-ai' },
      { path: './packages/testing' },
      { path: './examples' },
    ]);

    const bare = createWorkspace();
    bare.delete('tsconfig.json');
    await providerGenerator(bare, { name: 'acme-ai' });
    expect(bare.exists('tsconfig.json')).toBe(false);
  });

  it('refuses an existing package and bad names without writing anything', async () => {
    tree.write(`${ROOT}/package.json`, '{}');
    await expect(providerGenerator(tree, { name: 'acme-ai' })).rejects.toThrow(/already exists/);
    await expect(providerGenerator(tree, { name: 'Acme' })).rejects.toThrow(/kebab-case/);
    expect(tree.exists('.changeset/provider-acme-ai-scaffold.md')).toBe(false);
    expect(read(tree, 'README.md')).toBe(README);
  });

  /** Writes the generated sources to a temp dir with the workspace's biome config and runs biome there. */
  function biome(tree: Tree, root: string, commands: string[][]): string {
    const dir = mkdtempSync(join(tmpdir(), 'retouch-provider-'));
    try {
      const config = JSON.parse(readFileSync(join(WORKSPACE, 'biome.json'), 'utf-8'));
      // No git in the temp dir, and the schema path is relative to the workspace.
      const { $schema: _schema, vcs: _vcs, ...rest } = config;
      writeFileSync(join(dir, 'biome.json'), JSON.stringify(rest));
      for (const file of filesUnder(tree, root).filter((f) => /\.(ts|js)$/.test(f))) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), read(tree, `${root}/${file}`));
      }
      for (const args of commands) {
        try {
          execFileSync(join(WORKSPACE, 'node_modules/.bin/biome'), args, { cwd: dir, stdio: 'pipe' });
        } catch (error) {
          const failure = error as { stdout?: Buffer; stderr?: Buffer };
          return `biome ${args.join(' ')}:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`;
        }
      }
      return '';
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('generates TypeScript without a single biome lint diagnostic, as written', async () => {
    await providerGenerator(tree, { name: 'acme-ai' });
    expect(biome(tree, ROOT, [['lint', '--error-on-warnings', '.']])).toBe('');
  });

  it('generates TypeScript that passes biome check once formatted (what the callback does), even for long names', async () => {
    await providerGenerator(tree, { name: 'acme-generative-imaging-labs' });
    const steps = [
      ['format', '--write', '.'],
      ['check', '--error-on-warnings', '.'],
    ];
    expect(biome(tree, 'packages/provider-acme-generative-imaging-labs', steps)).toBe('');
  });

  it('returns a callback (biome format and next steps, run by nx after writing)', async () => {
    expect(typeof (await providerGenerator(tree, { name: 'acme-ai', skipFormat: true }))).toBe('function');
  });
});

describe('addProviderRow', () => {
  const row = { packageName: '@retouch/provider-acme', prefix: 'acme', constantName: 'ACME' };

  it('fills columns by their header, whatever their order', () => {
    const readme = '| Prefix | Package | Notes |\n|:--|:--|--|\n| `x` | `@retouch/provider-x` | y |\n';
    expect(addProviderRow(readme, row)).toBe(
      `${readme}| \`acme\` | \`@retouch/provider-acme\` | scaffold (not implemented) |\n`,
    );
  });

  it('leaves a README that already lists the package unchanged', () => {
    const once = addProviderRow(README, row);
    expect(addProviderRow(once, row)).toBe(once);
  });

  it('keeps CRLF line endings', () => {
    const readme = '| Package | Prefix |\r\n|---|---|\r\n| `a` | `b` |\r\n\r\nText\r\n';
    expect(addProviderRow(readme, row)).toBe(
      '| Package | Prefix |\r\n|---|---|\r\n| `a` | `b` |\r\n| `@retouch/provider-acme` | `acme` |\r\n\r\nText\r\n',
    );
  });
});
