/**
 * A minimal pool of `node:worker_threads` workers for CPU-heavy image work, so that the event loop
 * stays free. Workers start on first use, one per core but one (at least one), and are unref'd
 * while idle so they never keep a process alive. A worker that dies fails only its own task and is
 * replaced on the next one.
 * @module
 */
import { availableParallelism } from 'node:os';
import { type Transferable, Worker } from 'node:worker_threads';

/** Options of {@link createWorkerPool}. */
export interface WorkerPoolOptions {
  /** Most workers. Defaults to the cores less one for the event loop, at least 1. */
  size?: number;
}

/** A pool running tasks on one worker script. */
export interface WorkerPool<Task, Result> {
  /** Runs one task on the next free worker; rejects when the worker reports an error or dies. */
  run(task: Task, transfer?: readonly Transferable[]): Promise<Result>;
  /** Stops every worker; tasks still queued or running reject. */
  close(): Promise<void>;
}

interface Job {
  id: number;
  task: unknown;
  transfer: readonly Transferable[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/**
 * Creates a pool for a worker script that answers each `{ id, …task }` message with
 * `{ id, …result }` or `{ id, error }`.
 *
 * @example
 * ```ts
 * const pool = createWorkerPool<{ bytes: Uint8Array }, { bytes: Uint8Array }>(new URL('./w.mjs', import.meta.url));
 * const { bytes } = await pool.run({ bytes: input });
 * ```
 */
export function createWorkerPool<Task extends object, Result extends object>(
  script: URL,
  options: WorkerPoolOptions = {},
): WorkerPool<Task, Result> {
  const size = Math.max(1, options.size ?? availableParallelism() - 1);
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 0;
  let closed = false;

  const spawn = (): Slot => {
    const slot: Slot = { worker: new Worker(script) };
    const fail = (error: Error) => {
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      slot.job?.reject(error);
      slot.job = undefined;
      dispatch();
    };
    slot.worker.on('message', (message: { id: number; error?: string }) => {
      const job = slot.job;
      if (!job || message.id !== job.id) return;
      slot.job = undefined;
      slot.worker.unref();
      if (message.error !== undefined) job.reject(new Error(message.error));
      else job.resolve(message);
      dispatch();
    });
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => fail(new Error(`the image worker stopped (exit code ${code})`)));
    slot.worker.unref();
    slots.push(slot);
    return slot;
  };

  function dispatch(): void {
    while (queue.length > 0 && !closed) {
      const slot = slots.find((s) => !s.job) ?? (slots.length < size ? spawn() : undefined);
      if (!slot) return;
      const job = queue.shift() as Job;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ ...(job.task as object), id: job.id }, job.transfer);
    }
  }

  return {
    run(task, transfer = []) {
      if (closed) return Promise.reject(new Error('the worker pool is closed'));
      return new Promise<Result>((resolve, reject) => {
        queue.push({ id: nextId++, task, transfer, resolve: resolve as (v: unknown) => void, reject });
        dispatch();
      });
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error('the worker pool is closed'));
      await Promise.all(slots.splice(0).map((slot) => slot.worker.terminate()));
    },
  };
}
