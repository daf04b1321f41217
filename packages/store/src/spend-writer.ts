/**
 * `SpendWriter`: spend rows leave the request path at once (`add` only queues) and reach the
 * database in batches, every `flushIntervalMs` or once `batchSize` rows wait. While the database
 * is down the rows stay queued, up to `maxQueued` (then the oldest are dropped and counted), and
 * the batch is retried with backoff until it lands. `close()` writes what is left.
 * @module
 */
import type { SpendLogRow, SpendLogs } from './spend-log.js';

/**
 * Settings of {@link SpendWriter}.
 *
 * @example
 * ```ts
 * const options: SpendWriterOptions = { batchSize: 500, flushIntervalMs: 1000, maxQueued: 100_000 };
 * ```
 */
export interface SpendWriterOptions {
  /** Most rows one insert carries. Defaults to 200. */
  batchSize?: number;
  /**
   * How long a row may wait before its batch is written, in ms. Defaults to 1000: a batch costs the
   * embedded database some 8 ms however few its rows (then about 0.1 ms a row), so fewer, fuller
   * batches cost a request less (`pnpm bench:proxy`).
   */
  flushIntervalMs?: number;
  /** Most rows held in memory while the database is down; past it the oldest are dropped. Defaults to 100000. */
  maxQueued?: number;
  /** Longest wait between two tries of a failed batch, in ms. Defaults to 5000. */
  maxRetryDelayMs?: number;
  /** Told of each failed batch (the rows stay queued) and of dropped rows. */
  onError?: (error: Error, info: { queued: number; dropped: number }) => void;
}

/** What the writer is doing. */
export interface SpendWriterHealth {
  /** Rows not yet in the database (queued or in a batch being written). */
  pending: number;
  /** Rows dropped because the queue was full, since start. */
  dropped: number;
  /** Rows written since start. */
  written: number;
  /** The last batch failed and the writer is retrying. */
  failing: boolean;
  lastError?: string;
}

/**
 * Batches spend rows into the database, off the request path.
 *
 * @example
 * ```ts
 * const writer = new SpendWriter(store.spendLogs, { flushIntervalMs: 1000 });
 * writer.add(row); // returns at once
 * await writer.close(); // on shutdown: every queued row is written (or the deadline passed)
 * ```
 */
export class SpendWriter {
  readonly #logs: Pick<SpendLogs, 'insert'>;
  readonly #batchSize: number;
  readonly #intervalMs: number;
  readonly #maxQueued: number;
  readonly #maxDelayMs: number;
  readonly #onError: NonNullable<SpendWriterOptions['onError']>;
  #queue: SpendLogRow[] = [];
  /** The batch being written (still pending until it commits). */
  #inFlight: SpendLogRow[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #failures = 0;
  #dropped = 0;
  #written = 0;
  #lastError: string | undefined;
  #closed = false;

  constructor(logs: Pick<SpendLogs, 'insert'>, options: SpendWriterOptions = {}) {
    this.#logs = logs;
    this.#batchSize = options.batchSize ?? 200;
    this.#intervalMs = options.flushIntervalMs ?? 1000;
    this.#maxQueued = options.maxQueued ?? 100_000;
    this.#maxDelayMs = options.maxRetryDelayMs ?? 5000;
    this.#onError = options.onError ?? (() => {});
  }

  /** Queues a row; never waits and never throws. */
  add(row: SpendLogRow): void {
    this.#queue.push(row);
    const over = this.#queue.length + this.#inFlight.length - this.#maxQueued;
    if (over > 0) {
      this.#queue.splice(0, over);
      this.#dropped += over;
      this.#onError(new Error(`spend log queue full: dropped ${over} oldest rows`), {
        queued: this.#queue.length,
        dropped: this.#dropped,
      });
    }
    if (this.#closed) return;
    if (this.#queue.length >= this.#batchSize && !this.#writing) this.#schedule(0);
    else this.#schedule(this.#intervalMs);
  }

  /** Rows not yet in the database, oldest first (for reports that must include them). */
  pending(): readonly SpendLogRow[] {
    return [...this.#inFlight, ...this.#queue];
  }

  health(): SpendWriterHealth {
    return {
      pending: this.#inFlight.length + this.#queue.length,
      dropped: this.#dropped,
      written: this.#written,
      failing: this.#failures > 0,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  /**
   * Runs `read` with no batch committing meanwhile and the rows still pending, so that a report
   * made of the database and the pending rows counts each row exactly once.
   */
  async stableView<T>(read: (pending: readonly SpendLogRow[]) => Promise<T>): Promise<T> {
    for (;;) {
      const writing = this.#writing;
      if (!writing) break;
      await writing.catch(() => {});
    }
    const hold = (async () => read(this.pending()))();
    // Batches wait for the read (they start from #schedule, which checks #writing).
    const guard = hold.then(
      () => {},
      () => {},
    );
    this.#writing = guard;
    try {
      return await hold;
    } finally {
      if (this.#writing === guard) this.#writing = undefined;
      if (this.#queue.length > 0 && !this.#closed) this.#schedule(0);
    }
  }

  #schedule(delayMs: number): void {
    if (this.#timer && delayMs > 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, delayMs);
    this.#timer.unref();
  }

  /** Writes every queued row now (one batch after another); resolves when the queue is empty or a batch failed. */
  async flush(): Promise<void> {
    for (;;) {
      // One writer (or one stable read) at a time; checked and taken in the same tick.
      while (this.#writing) await this.#writing.catch(() => {});
      if (this.#queue.length === 0) return;
      if (!(await this.#writeOne())) return;
    }
  }

  async #writeOne(): Promise<boolean> {
    this.#inFlight = this.#queue.splice(0, this.#batchSize);
    const batch = this.#inFlight;
    let ok = false;
    const writing = (async () => {
      try {
        await this.#logs.insert(batch);
        this.#written += batch.length;
        this.#failures = 0;
        this.#lastError = undefined;
        ok = true;
      } catch (error) {
        // Back to the front of the queue, in order; tried again after a backoff.
        this.#queue.unshift(...batch);
        this.#failures += 1;
        this.#lastError = (error as Error).message;
        this.#onError(error as Error, { queued: this.#queue.length, dropped: this.#dropped });
      } finally {
        this.#inFlight = [];
      }
    })();
    this.#writing = writing;
    await writing;
    if (this.#writing === writing) this.#writing = undefined;
    if (!ok && !this.#closed) {
      const delay = Math.min(this.#maxDelayMs, 100 * 2 ** Math.min(this.#failures, 10));
      this.#schedule(delay);
    }
    return ok;
  }

  /**
   * Stops the timer and writes what is queued, trying again while the database is down, until
   * `deadlineMs` (default 10 s) passes. Resolves with the rows that could not be written (0 on a
   * clean shutdown).
   */
  async close(deadlineMs = 10_000): Promise<number> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const end = Date.now() + deadlineMs;
    let wait = 50;
    while (this.pending().length > 0 && Date.now() < end) {
      await this.flush();
      if (this.#queue.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, Math.max(0, end - Date.now()))));
      wait = Math.min(wait * 2, 1000);
    }
    return this.pending().length;
  }
}
