/**
 * The embedded database in a worker thread (`workers/embedded-db.mjs`): the same SQL client as
 * the in-process one, each call a message. PGlite runs its queries synchronously in WebAssembly
 * (about 1 ms of CPU for a `select 1`, 5–30 ms for a batch of spend rows), which in the serving
 * thread holds up every request in flight; in its own thread it does not.
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { SqlClient, SqlQueryable } from './sql-client.js';

const WORKER = new URL('../workers/embedded-db.mjs', import.meta.url);

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** A driver error as it crossed the thread: its message and plain fields (`code`, `detail`, …). */
function revive(plain: Record<string, unknown>): Error {
  const error = new Error(String(plain.message)) as Error & Record<string, unknown>;
  for (const [key, value] of Object.entries(plain))
    if (key !== 'message' && key !== 'stack') error[key] = value;
  return error;
}

/**
 * Starts the database thread and resolves once PGlite is open there (or rejects with why not).
 * The thread keeps the process alive only while a call waits on it, as PGlite in the process
 * would.
 *
 * @example
 * ```ts
 * const client = await startEmbeddedThread({ dataDir: '.retouch', schema: 'public', onClose: unlock });
 * await client.query('select 1');
 * ```
 */
export async function startEmbeddedThread(options: {
  dataDir?: string;
  schema: string;
  /** Called once the thread has stopped (`close()`), e.g. to release the data directory's lock. */
  onClose?: () => void;
}): Promise<SqlClient> {
  const worker = new Worker(WORKER, { workerData: { dataDir: options.dataDir } });
  const waiting = new Map<number, Waiting>();
  const notified = new Map<number, (payload: string) => void>();
  let nextId = 1;
  let stopped: Error | undefined;

  const ready = new Promise<void>((resolve, reject) => {
    const onFirst = (message: { ready?: boolean; error?: Record<string, unknown> }) => {
      if (message.ready === undefined) return;
      worker.off('message', onFirst);
      if (message.ready) resolve();
      else reject(revive(message.error ?? { message: 'the embedded database did not start' }));
    };
    worker.on('message', onFirst);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the embedded database thread exited (${code})`)));
  });
  const stop = (error: Error) => {
    stopped ??= error;
    for (const call of waiting.values()) call.reject(stopped);
    waiting.clear();
  };
  worker.on(
    'message',
    (message: {
      id?: number;
      result?: unknown;
      error?: Record<string, unknown>;
      notify?: number;
      payload?: string;
    }) => {
      if (message.notify !== undefined) {
        notified.get(message.notify)?.(message.payload as string);
        return;
      }
      const call = message.id === undefined ? undefined : waiting.get(message.id);
      if (!call) return;
      waiting.delete(message.id as number);
      if (waiting.size === 0) worker.unref();
      if (message.error) call.reject(revive(message.error));
      else call.resolve(message.result);
    },
  );
  worker.on('error', (error) => stop(error));
  worker.on('exit', (code) => stop(new Error(`the embedded database thread stopped (exit code ${code})`)));
  try {
    await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  worker.unref();

  /** Posts one op; `id` names it (a transaction or a listen is named by its `begin` or `listen`). */
  const send = <T>(message: Record<string, unknown>): { id: number; answer: Promise<T> } => {
    const id = nextId++;
    if (stopped) return { id, answer: Promise.reject(stopped) };
    const answer = new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (waiting.size === 1) worker.ref();
      worker.postMessage({ ...message, id });
    });
    return { id, answer };
  };
  const call = <T>(message: Record<string, unknown>): Promise<T> => send<T>(message).answer;
  const queryable = (tx?: number): SqlQueryable => ({
    query: <Row>(text: string, params?: readonly unknown[]) =>
      call<Row[]>({ op: 'query', text, params: params ? [...params] : undefined, tx }),
  });

  await call({
    op: 'exec',
    script: `create schema if not exists ${options.schema}; set search_path = ${options.schema}, public`,
  });
  let closed = false;
  return {
    backend: 'embedded',
    schema: options.schema,
    ...queryable(),
    async exec(script) {
      await call({ op: 'exec', script });
    },
    async transaction(fn) {
      const begin = send({ op: 'begin' });
      const tx = begin.id;
      await begin.answer;
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn(queryable(tx));
      } catch (error) {
        await call({ op: 'end', tx, commit: false }).catch(() => {});
        throw error;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    async listen(channel, onMessage, onConnection) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
      const listening = send({ op: 'listen', channel });
      const { id } = listening;
      notified.set(id, onMessage);
      try {
        await listening.answer;
      } catch (error) {
        notified.delete(id);
        throw error;
      }
      onConnection?.(true);
      return async () => {
        if (!notified.delete(id) || stopped) return;
        await call({ op: 'unlisten', listen: id });
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (!stopped) await call({ op: 'close' });
      } finally {
        notified.clear();
        await worker.terminate();
        options.onClose?.();
      }
    },
  };
}
