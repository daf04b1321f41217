import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEmbeddedClient } from './embedded-client.js';
import { isUniqueViolation } from './errors.js';
import type { SqlClient } from './sql-client.js';

/** Waits (up to 20 s) for `done` to hold. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('the embedded database in its own thread', () => {
  let dir: string;
  let db: SqlClient;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'retouch-thread-'));
    db = await createEmbeddedClient({ dataDir: join(dir, 'data'), schema: 'threaded' });
    await db.exec('create table items (id text primary key, n int, at timestamptz, doc jsonb)');
  }, 60_000);
  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers queries with their rows as PGlite gives them (dates, JSON)', async () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    await db.query('insert into items values ($1, $2, $3, $4)', ['a', 1, at, { tags: ['x'] }]);
    const rows = await db.query<{ id: string; n: number; at: Date; doc: unknown }>(
      'select * from items where id = $1',
      ['a'],
    );
    expect(rows).toEqual([{ id: 'a', n: 1, at, doc: { tags: ['x'] } }]);
    // A Date of this realm, not jest's sandbox: compared by tag.
    expect(Object.prototype.toString.call(rows[0]?.at)).toBe('[object Date]');
    expect(db.backend).toBe('embedded');
    expect((await db.query<{ s: string }>('select current_schema() as s'))[0]?.s).toBe('threaded');
  });

  it("passes a driver error's SQLSTATE across (a unique violation is still one)", async () => {
    await db.query('insert into items (id, n) values ($1, 1)', ['dup']);
    const error = await db
      .query('insert into items (id, n) values ($1, 2)', ['dup'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isUniqueViolation(error)).toBe(true);
    expect((error as Error).message).toMatch(/duplicate key/);
  });

  it('commits a transaction that succeeds and rolls back one that throws', async () => {
    const result = await db.transaction(async (tx) => {
      await tx.query('insert into items (id, n) values ($1, $2)', ['t1', 1]);
      return (await tx.query<{ n: number }>('select n from items where id = $1', ['t1']))[0]?.n;
    });
    expect(result).toBe(1);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('insert into items (id, n) values ($1, $2)', ['t2', 2]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const ids = (await db.query<{ id: string }>("select id from items where id like 't%' order by id")).map(
      (r) => r.id,
    );
    expect(ids).toEqual(['t1']);
  });

  it('delivers notifications to each listener until it stops listening', async () => {
    const first: string[] = [];
    const second: string[] = [];
    let connected = false;
    const stopFirst = await db.listen(
      'changes',
      (payload) => first.push(payload),
      (on) => {
        connected = on;
      },
    );
    const stopSecond = await db.listen('changes', (payload) => second.push(payload));
    expect(connected).toBe(true);
    await db.query("select pg_notify('changes', 'one')");
    await until(() => first.length === 1 && second.length === 1);
    await stopFirst();
    await db.query("select pg_notify('changes', 'two')");
    await until(() => second.length === 2);
    await stopSecond();
    await db.query("select pg_notify('changes', 'three')");
    // 'three' went after both stopped; had it been delivered, it would have come before this answer.
    await db.query('select 1');
    expect(first).toEqual(['one']);
    expect(second).toEqual(['one', 'two']);
  });

  it('does not keep a process alive once closed (the thread is stopped, the lock released)', async () => {
    const script = `
      import { createEmbeddedClient } from ${JSON.stringify(new URL('./embedded-client.ts', import.meta.url).href)};
      const db = await createEmbeddedClient({ dataDir: ${JSON.stringify(join(dir, 'child'))} });
      await db.query('select 1');
      await db.close();
      console.log('closed');
    `;
    const file = join(dir, 'child.mjs');
    await writeFile(file, script);
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', './tools/ts-run/register.mjs', file],
        { cwd: ROOT, timeout: 60_000 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      );
    });
    expect(out.trim()).toBe('closed');
    // The lock is gone: another client opens the same directory.
    const again = await createEmbeddedClient({ dataDir: join(dir, 'child') });
    await again.close();
  }, 90_000);

  it('fails calls made after close instead of hanging', async () => {
    const other = await createEmbeddedClient({});
    await other.close();
    await expect(other.query('select 1')).rejects.toThrow(/stopped/);
  }, 60_000);
});
