/**
 * `DatabaseKeys`: the virtual keys kept in the store, as the proxy checks them on every request —
 * from a cache, so a request costs a map lookup. Every key change made by any proxy arrives by
 * NOTIFY and drops the cached copy at once; cached copies are also reloaded in the background
 * after a few seconds (spend for budgets). A key never seen before is looked up in the database;
 * while the database is down it cannot be verified and is refused (503), while keys verified
 * before the outage keep working (nobody can revoke them meanwhile: the key API needs the database
 * too).
 * @module
 */
import { ServiceUnavailableError } from '@retouch/core';
import type { KeyRecord, Store } from '@retouch/store';

/** How long a cached key is used before it is reloaded in the background, in ms. */
const REFRESH_MS = 5000;
/** While NOTIFY is not arriving, how old a cached key may be before a request waits for a reload. */
const UNLISTENED_MAX_AGE_MS = 1000;
/** How long an unknown key stays known as unknown (a burst of bad keys costs one query each), in ms. */
const UNKNOWN_TTL_MS = 5000;
/** Most entries kept; past it the unknown ones are forgotten first. */
const MAX_ENTRIES = 50_000;

interface Entry {
  record: KeyRecord | undefined;
  loadedAt: number;
  refreshing?: Promise<void>;
}

/**
 * The store's keys, cached.
 *
 * @example
 * ```ts
 * const keys = new DatabaseKeys(store);
 * const record = await keys.find(hashToken(presented)); // undefined: no such key
 * ```
 */
export class DatabaseKeys {
  readonly #store: Store;
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  #listening = false;
  /** Bumped by every change notice, so a load that started before it does not cache stale data. */
  #generation = 0;

  constructor(store: Store, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
    store.onKeyChange(
      (hash) => {
        this.#generation += 1;
        this.#entries.delete(hash);
      },
      (listening) => {
        this.#listening = listening;
        // News may have been missed while not listening: nothing cached is trusted past its age.
        if (listening) this.#entries.clear();
      },
    );
  }

  /** Forgets a key (after this proxy changed it, without waiting for the notice). */
  forget(tokenHash: string): void {
    this.#generation += 1;
    this.#entries.delete(tokenHash);
  }

  /**
   * The key with this hash, `undefined` when there is none. Throws a 503 when the database cannot
   * say and the key was not verified before.
   */
  async find(tokenHash: string): Promise<KeyRecord | undefined> {
    const now = this.#now();
    const entry = this.#entries.get(tokenHash);
    if (entry) {
      const age = now - entry.loadedAt;
      if (entry.record === undefined) {
        if (age < UNKNOWN_TTL_MS) return undefined;
      } else if (this.#listening || age < UNLISTENED_MAX_AGE_MS) {
        if (age > REFRESH_MS) this.#refresh(tokenHash, entry);
        return entry.record;
      }
    }
    try {
      return await this.#load(tokenHash);
    } catch (error) {
      // Verified before the outage: still served (see the module comment).
      if (entry?.record) return entry.record;
      throw new ServiceUnavailableError({
        message:
          'This key cannot be verified: the key database is unreachable. Try again shortly (keys from the config file and keys verified before the outage keep working).',
        code: 'key_verification_unavailable',
        isRetryable: true,
        cause: error,
      });
    }
  }

  async #load(tokenHash: string): Promise<KeyRecord | undefined> {
    const generation = this.#generation;
    const record = await this.#store.keys.get(tokenHash);
    if (generation === this.#generation) this.#remember(tokenHash, { record, loadedAt: this.#now() });
    return record;
  }

  #refresh(tokenHash: string, entry: Entry): void {
    if (entry.refreshing) return;
    entry.refreshing = this.#load(tokenHash).then(
      () => {},
      () => {
        // The database is down: keep what is cached, try again after another interval.
        entry.refreshing = undefined;
        entry.loadedAt = this.#now() - REFRESH_MS / 2;
      },
    );
  }

  #remember(tokenHash: string, entry: Entry): void {
    if (this.#entries.size >= MAX_ENTRIES) {
      for (const [hash, e] of this.#entries) if (e.record === undefined) this.#entries.delete(hash);
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    }
    this.#entries.set(tokenHash, entry);
  }
}
