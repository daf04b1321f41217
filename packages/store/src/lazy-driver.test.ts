import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `script` (ESM) in a plain Node process of its own; resolves to its stdout. */
function runNode(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--conditions=@retouch/source', '--import', './tools/ts-run/register.mjs', file],
      { cwd: ROOT, timeout: 60_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

describe('the PostgreSQL driver is loaded only when a client is made', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'retouch-store-lazy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('importing @retouch/store does not load pg; createPostgresClient loads it and stays synchronous', async () => {
    // pg is CommonJS: once loaded (by import or require), its files are in require.cache.
    const script = `
      import { createRequire } from 'node:module';
      const cache = createRequire(import.meta.url).cache;
      const loaded = (name) => Object.keys(cache).some((file) => file.includes('/node_modules/' + name + '/'));
      const store = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});
      const atImport = { pg: loaded('pg') };
      const client = store.createPostgresClient({ url: 'postgres://retouch@127.0.0.1:1/none', connectTimeoutMs: 200 });
      const afterClient = { pg: loaded('pg') };
      await client.close();
      console.log(JSON.stringify({ atImport, afterClient, sync: typeof client.query === 'function' }));
    `;
    const file = join(dir, 'lazy.mjs');
    await writeFile(file, script);
    const out = JSON.parse((await runNode(file)).trim());
    expect(out).toEqual({ atImport: { pg: false }, afterClient: { pg: true }, sync: true });
  }, 90_000);
});
