/**
 * The sign-in form, the one page the proxy serves without a key: it sends the key to
 * `/ui/api/login`, which answers with a session cookie, keeps the key in this tab's session storage
 * (the playground and the key pages call the proxy's own API with it) and reloads into the console.
 */
import '../app/styles.css';
import { KEY_STORAGE } from '../app/session';

const form = document.querySelector<HTMLFormElement>('#login');
const input = document.querySelector<HTMLInputElement>('#key');
const error = document.querySelector<HTMLParagraphElement>('#error');

input?.focus();
form?.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!input || !error) return;
  error.hidden = true;
  const key = input.value.trim();
  try {
    const response = await fetch('api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
      credentials: 'same-origin',
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
    }
    sessionStorage.setItem(KEY_STORAGE, key);
    location.replace('./');
  } catch (thrown) {
    error.textContent = (thrown as Error).message;
    error.hidden = false;
  }
});
