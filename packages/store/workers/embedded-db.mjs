/**
 * The embedded database's thread (node:worker_threads): PGlite runs here, so that its queries —
 * a spend batch costs it some 5–30 ms of CPU — never hold up the event loop that serves requests.
 * Plain JavaScript so that it runs as shipped, from `src` in tests and from `dist` in the package
 * alike. `workerData`: `{ dataDir }` (absent: in memory). It posts `{ ready: true }` or
 * `{ ready: false, error }` once, then answers each `{ id, op, … }` with `{ id, result }` or
 * `{ id, error }`, and posts `{ notify, payload }` (`notify`: the id of the `listen`) for each notification.
 *
 * Ops: `query` (`text`, `params`, `tx`), `exec` (`script`, `tx`), `begin` (answers once the
 * transaction `id` is open), `end` (`tx`, `commit`: answers once it is committed or rolled
 * back), `listen` (`channel`), `unlisten` (`listen`: the id of the `listen`), `close`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/** What can cross to the other thread of a driver error: its message and its plain fields (code, detail, …). */
function plainError(error) {
  const out = { message: String(error?.message ?? error), name: String(error?.name ?? 'Error') };
  if (error && typeof error === 'object') {
    for (const [key, value] of Object.entries(error)) {
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
    }
  }
  return out;
}

let db;
try {
  db = await PGlite.create(workerData?.dataDir ? { dataDir: workerData.dataDir } : {});
} catch (error) {
  parentPort.postMessage({ ready: false, error: plainError(error) });
  process.exit(0);
}

/** Open transactions by the id of their `begin`: the transaction, how to end it, its outcome. */
const transactions = new Map();
/** Unlisten functions by the id of their `listen`. */
const listeners = new Map();

const target = (tx) => {
  if (tx === undefined) return db;
  const open = transactions.get(tx);
  if (!open) throw new Error(`transaction ${tx} is not open`);
  return open.tx;
};

async function run(message) {
  switch (message.op) {
    case 'query':
      return (await target(message.tx).query(message.text, message.params)).rows;
    case 'exec':
      await target(message.tx).exec(message.script);
      return undefined;
    case 'begin':
      return new Promise((began, failed) => {
        const open = {};
        open.done = db.transaction(
          (tx) =>
            new Promise((commit, rollback) => {
              Object.assign(open, { tx, commit, rollback });
              transactions.set(message.id, open);
              began(undefined);
            }),
        );
        // Only a failure to begin fails the `begin`; later ones are `end`'s to report.
        open.done.catch(failed);
      });
    case 'end': {
      const open = transactions.get(message.tx);
      if (!open) throw new Error(`transaction ${message.tx} is not open`);
      if (message.commit) open.commit(undefined);
      else open.rollback(new Error('rolled back'));
      try {
        await open.done;
      } catch (error) {
        // The rollback asked for is not a failure of `end`.
        if (message.commit) throw error;
      } finally {
        transactions.delete(message.tx);
      }
      return undefined;
    }
    case 'listen': {
      const unlisten = await db.listen(message.channel, (payload) =>
        parentPort.postMessage({ notify: message.id, payload }),
      );
      listeners.set(message.id, unlisten);
      return undefined;
    }
    case 'unlisten': {
      const unlisten = listeners.get(message.listen);
      listeners.delete(message.listen);
      if (unlisten && !db.closed) await unlisten();
      return undefined;
    }
    case 'close':
      for (const unlisten of listeners.values()) await unlisten().catch(() => {});
      listeners.clear();
      if (!db.closed) await db.close();
      return undefined;
    default:
      throw new Error(`unknown op ${message.op}`);
  }
}

parentPort.on('message', (message) => {
  run(message).then(
    (result) => parentPort.postMessage({ id: message.id, result }),
    (error) => parentPort.postMessage({ id: message.id, error: plainError(error) }),
  );
});
parentPort.postMessage({ ready: true });
