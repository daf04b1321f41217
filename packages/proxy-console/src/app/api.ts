/**
 * Calls to the proxy from the console: its console API (`api/…`, relative to `/ui/`, signed in by
 * the session cookie) and the proxy's own OpenAI-style and key endpoints (`/v1/…`, `/key/…`, with
 * the tab's key as a bearer token — exactly what any client of the proxy sends).
 */
import { signOut, storedKey } from './session';

/** An error answer of the proxy, in OpenAI's shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** The proxy's root (the console lives at `<root>/ui/`). */
export function proxyRoot(): string {
  const path = location.pathname.replace(/\/ui(\/.*)?$/, '');
  return `${location.origin}${path}`;
}

async function failure(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as {
    error?: { message?: string; code?: string | null };
  } | null;
  return new ApiError(
    response.status,
    body?.error?.message ?? `HTTP ${response.status} ${response.statusText}`,
    body?.error?.code ?? null,
  );
}

/** GET or POST one console API route; a 401 (session gone) signs out. */
export async function consoleApi<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`api/${path}`, { ...init, credentials: 'same-origin' });
  if (response.status === 401) {
    await signOut();
    throw new ApiError(401, 'signed out');
  }
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** Calls the proxy's own API with the tab's key. Returns the response for headers and body. */
export async function proxyFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const key = storedKey();
  if (!key) {
    await signOut();
    throw new ApiError(401, 'signed out');
  }
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${key}`);
  const response = await fetch(`${proxyRoot()}${path}`, { ...init, headers });
  if (!response.ok) throw await failure(response);
  return response;
}

/** `proxyFetch` for JSON answers. */
export async function proxyJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body !== undefined && !headers.has('content-type'))
    headers.set('content-type', 'application/json');
  return (await (await proxyFetch(path, { ...init, headers })).json()) as T;
}
