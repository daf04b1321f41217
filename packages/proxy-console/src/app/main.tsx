/**
 * The console app: a header with the four pages (hash routes, so the proxy serves one file) and
 * the signed-in key's alias. The proxy serves this page only to a signed-in session.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ConsoleSession } from '../api-types';
import { consoleApi } from './api';
import { Keys } from './pages/keys';
import { Logs } from './pages/logs';
import { Overview } from './pages/overview';
import { Playground } from './pages/playground';
import { signOut, storedKey } from './session';
import './styles.css';

const PAGES = {
  overview: { title: 'Overview', view: () => <Overview /> },
  logs: { title: 'Logs', view: () => <Logs /> },
  keys: { title: 'Keys', view: (s: ConsoleSession) => <Keys session={s} /> },
  playground: { title: 'Playground', view: () => <Playground /> },
} as const;
type PageName = keyof typeof PAGES;

function currentPage(): PageName {
  const name = location.hash.replace(/^#\/?/, '');
  return name in PAGES ? (name as PageName) : 'overview';
}

function App() {
  const [page, setPage] = useState<PageName>(currentPage);
  const [session, setSession] = useState<ConsoleSession | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const follow = () => setPage(currentPage());
    addEventListener('hashchange', follow);
    // A tab that has the cookie but not the key (opened by hand) signs in again.
    if (!storedKey()) void signOut();
    else consoleApi<ConsoleSession>('session').then(setSession, (e: Error) => setError(e.message));
    return () => removeEventListener('hashchange', follow);
  }, []);
  useEffect(() => {
    document.title = `${PAGES[page].title} · retouch console`;
  }, [page]);
  return (
    <>
      <header class="top">
        <span class="brand">retouch</span>
        <nav>
          {(Object.keys(PAGES) as PageName[]).map((name) => (
            <a
              key={name}
              href={`#/${name}`}
              class={name === page ? 'on' : ''}
              aria-current={name === page ? 'page' : undefined}
            >
              {PAGES[name].title}
            </a>
          ))}
        </nav>
        <span class="who">
          {session && <span id="signed-in-as">{session.alias}</span>}
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <main>
        {error && <p class="error">{error}</p>}
        {session && PAGES[page].view(session)}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
