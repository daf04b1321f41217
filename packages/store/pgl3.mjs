import { PGlite } from '@electric-sql/pglite';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
if (!existsSync('/tmp/pgdump.tgz')) {
  const db = await PGlite.create();
  const f = await db.dumpDataDir('gzip');
  writeFileSync('/tmp/pgdump.tgz', Buffer.from(await f.arrayBuffer()));
  await db.close();
  console.log('dumped', readFileSync('/tmp/pgdump.tgz').length);
  process.exit(0);
}
const t0 = performance.now();
const db = await PGlite.create({ loadDataDir: new Blob([readFileSync('/tmp/pgdump.tgz')]) });
await db.query('select 1');
console.log(
  'start ms',
  Math.round(performance.now() - t0),
  'rss MB',
  Math.round(process.memoryUsage().rss / 1e6),
);
const t1 = performance.now();
const db2 = await PGlite.create({ loadDataDir: new Blob([readFileSync('/tmp/pgdump.tgz')]) });
await db2.query('select 1');
console.log(
  'second start ms',
  Math.round(performance.now() - t1),
  'rss MB',
  Math.round(process.memoryUsage().rss / 1e6),
);
await db.close();
