import { PGlite } from '@electric-sql/pglite';
const opts = JSON.parse(process.argv[2] || '{}');
const t0 = performance.now();
const db = await PGlite.create(opts);
await db.query('select 1');
console.log(
  JSON.stringify(opts),
  'start ms',
  Math.round(performance.now() - t0),
  'rss MB',
  Math.round(process.memoryUsage().rss / 1e6),
);
await db.close();
