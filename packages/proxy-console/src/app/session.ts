/** Where this tab keeps the key it signed in with (cleared on sign-out and when the tab closes). */
export const KEY_STORAGE = 'retouch-console-key';

/** The key this tab signed in with, if any. */
export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

/** Forgets the key and the session cookie, then shows the sign-in form. */
export async function signOut(): Promise<void> {
  sessionStorage.removeItem(KEY_STORAGE);
  await fetch('api/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => undefined);
  location.replace('./');
}
