/** Data loading for the pages. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** What {@link usePoll} returns. */
export interface Polled<T> {
  data: T | null;
  error: string | null;
  /** Loads now (after a change the page made). */
  reload: () => void;
}

/**
 * Loads `load()` now and every `everyMs` while `live` is true (and the tab is visible), again
 * whenever `key` changes. A failed load keeps the last data and reports the error.
 */
export function usePoll<T>(load: () => Promise<T>, key: string, everyMs = 5000, live = true): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loader = useRef(load);
  loader.current = load;
  const run = useCallback(() => {
    loader.current().then(
      (value) => {
        setData(value);
        setError(null);
      },
      (thrown: unknown) => setError((thrown as Error).message),
    );
  }, []);
  useEffect(() => {
    run();
    if (!live) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') run();
    }, everyMs);
    return () => clearInterval(timer);
  }, [key, everyMs, live, run]);
  return { data, error, reload: run };
}
