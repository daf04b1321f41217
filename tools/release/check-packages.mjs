#!/usr/bin/env node
/**
 * The release check (CI runs it after `pnpm build`; `pnpm release` runs it before publishing):
 *
 * 1. packs every publishable package as `pnpm publish` would (`pnpm pack`: `workspace:` ranges
 *    rewritten) and checks each tarball (`tarball-checks.mjs`);
 * 2. installs all the tarballs with npm into a fresh app in a temporary directory (dependencies
 *    from the registry, `@retouch/*` from the tarballs, no `@jest/globals`);
 * 3. there, imports every entry of every package, finds each provider by its model prefix and makes
 *    one edit (`consumer-smoke.mjs`), type-checks a consumer of every main entry with
 *    `skipLibCheck: false`, and runs `retouch --help`.
 *
 * Usage: `node tools/release/check-packages.mjs [--keep]` (`--keep` leaves the app for a look).
 * @module
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packAll, publishablePackages, ROOT } from './pack.mjs';
import { packageProblems } from './tarball-checks.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const keep = process.argv.includes('--keep');

/**
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 * @returns {string}
 */
function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = /** @type {{ stdout?: string, stderr?: string }} */ (error);
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`,
    );
  }
}

const work = mkdtempSync(join(tmpdir(), 'retouch-release-check-'));
const packs = join(work, 'packs');
const app = join(work, 'app');
let failed = false;

try {
  const packages = publishablePackages();
  console.log(`Packing ${packages.length} packages into ${packs}`);
  const tarballs = packAll(packages, packs);

  console.log('Checking each tarball');
  for (const pkg of packages) {
    const unpacked = join(work, 'unpacked', pkg.name);
    mkdirSync(unpacked, { recursive: true });
    run('tar', ['-xzf', tarballs[pkg.name], '-C', unpacked], work);
    const problems = packageProblems(join(unpacked, 'package'));
    if (problems.length > 0) {
      failed = true;
      console.error(`  ✗ ${pkg.name}\n${problems.map((problem) => `      ${problem}`).join('\n')}`);
    } else {
      console.log(`  ✓ ${pkg.name}`);
    }
  }

  console.log(`Installing the tarballs with npm into ${app}`);
  mkdirSync(app);
  const fileSpecs = Object.fromEntries(packages.map((pkg) => [pkg.name, `file:${tarballs[pkg.name]}`]));
  const typesNode = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf-8')).devDependencies[
    '@types/node'
  ];
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify(
      {
        name: 'retouch-release-check-app',
        private: true,
        type: 'module',
        dependencies: fileSpecs,
        devDependencies: { '@types/node': typesNode },
        // The tarballs depend on each other by version; none of these is on the registry yet.
        overrides: fileSpecs,
      },
      null,
      2,
    ),
  );
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', '--prefer-offline'],
    app,
  );

  console.log(
    'Importing every entry, finding providers by prefix, editing once through core and once through the proxy',
  );
  // The entries of the packed manifest: `publishConfig.exports` leaves out the workspace-only ones.
  const entries = packages.map((pkg) => {
    const packed = JSON.parse(
      readFileSync(join(work, 'unpacked', pkg.name, 'package', 'package.json'), 'utf-8'),
    );
    return { name: pkg.name, entries: Object.keys(packed.exports ?? { '.': '' }) };
  });
  // Copied into the app, so that its imports resolve from the app's node_modules as a user's code would.
  copyFileSync(join(HERE, 'consumer-smoke.mjs'), join(app, 'smoke.mjs'));
  try {
    process.stdout.write(run(process.execPath, ['smoke.mjs', JSON.stringify(entries)], app));
  } catch (error) {
    failed = true;
    console.error(/** @type {Error} */ (error).message);
  }

  console.log('Type-checking a consumer of every main entry (skipLibCheck: false, no @jest/globals)');
  const imports = packages.map((pkg, i) => `import * as p${i} from '${pkg.name}';`).join('\n');
  const uses = packages.map((_, i) => `p${i}`).join(', ');
  writeFileSync(join(app, 'consumer.ts'), `${imports}\nexport const all = [${uses}];\n`);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files: ['consumer.ts'],
    }),
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
    console.log('  ✓ no type errors');
  } catch (error) {
    // Only what our own declarations say counts; another package's .d.ts is not ours to fix here.
    const ours = /** @type {Error} */ (error).message
      .split('\n')
      .filter((line) => line.startsWith('node_modules/@retouch/') || line.startsWith('consumer.ts'));
    if (ours.length > 0) {
      failed = true;
      console.error(ours.map((line) => `  ✗ ${line}`).join('\n'));
    } else {
      console.log('  ✓ no type errors in @retouch declarations');
    }
  }

  console.log('Running the installed CLI');
  const help = run(join(app, 'node_modules', '.bin', 'retouch'), ['--help'], app);
  if (!/--config/.test(help)) {
    failed = true;
    console.error('  ✗ retouch --help does not describe --config');
  } else {
    console.log('  ✓ retouch --help');
  }
} catch (error) {
  failed = true;
  console.error(/** @type {Error} */ (error).message);
} finally {
  if (keep) console.log(`Kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (failed) {
  console.error('Release check FAILED');
  process.exit(1);
}
console.log('Release check passed');
