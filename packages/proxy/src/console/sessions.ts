/**
 * Console sign-in: a random session token in an HttpOnly, SameSite=Strict cookie scoped to `/ui`,
 * mapped in this process's memory to the key that signed in. Every request re-checks that key
 * with the proxy's key store, so a key revoked or changed ends its console sessions at once.
 * Failed sign-ins are limited per client address.
 * @module
 */
import { randomBytes } from 'node:crypto';

/** The session cookie's name. */
export const SESSION_COOKIE = 'retouch_console';

const MAX_SESSIONS = 1000;
const FAILURES_PER_MINUTE = 10;

interface Session {
  key: string;
  expiresAt: number;
}

/** Options of {@link ConsoleSessions}. */
export interface ConsoleSessionsOptions {
  /** Session lifetime in ms. Defaults to 8 hours. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * The signed-in console sessions of one proxy process.
 *
 * @example
 * ```ts
 * const sessions = new ConsoleSessions();
 * const token = sessions.open('sk-master');
 * sessions.keyOf(token); // 'sk-master' until it expires or is closed
 * ```
 */
export class ConsoleSessions {
  readonly ttlMs: number;
  readonly #now: () => number;
  readonly #sessions = new Map<string, Session>();
  readonly #failures = new Map<string, number[]>();

  constructor(options: ConsoleSessionsOptions = {}) {
    this.ttlMs = options.ttlMs ?? 8 * 60 * 60 * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Starts a session for `key`; returns its token. The oldest session goes beyond 1000. */
  open(key: string): string {
    const token = randomBytes(32).toString('base64url');
    this.#sessions.set(token, { key, expiresAt: this.#now() + this.ttlMs });
    if (this.#sessions.size > MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    return token;
  }

  /** The key of a live session, else undefined (an expired one is forgotten). */
  keyOf(token: string | undefined): string | undefined {
    if (!token) return undefined;
    const session = this.#sessions.get(token);
    if (!session) return undefined;
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(token);
      return undefined;
    }
    return session.key;
  }

  close(token: string | undefined): void {
    if (token) this.#sessions.delete(token);
  }

  /** Whether `client` may try to sign in now (fewer than 10 failures in the last minute). */
  mayTry(client: string): boolean {
    const since = this.#now() - 60_000;
    const recent = (this.#failures.get(client) ?? []).filter((t) => t > since);
    if (recent.length === 0) this.#failures.delete(client);
    else this.#failures.set(client, recent);
    return recent.length < FAILURES_PER_MINUTE;
  }

  /** Counts a failed sign-in of `client`. */
  failed(client: string): void {
    const list = this.#failures.get(client) ?? [];
    list.push(this.#now());
    this.#failures.set(client, list.slice(-FAILURES_PER_MINUTE));
    if (this.#failures.size > MAX_SESSIONS) {
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
  }
}

/**
 * The value of one cookie in a `Cookie` header.
 *
 * @example
 * ```ts
 * cookieValue('a=1; retouch_console=abc', 'retouch_console'); // 'abc'
 * ```
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
