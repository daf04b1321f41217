/**
 * Logs: the recent edit requests, newest first, filtered by status, model group, key and end-user —
 * from the proxy's spend log when it has a database, else from this proxy process's memory.
 */
import { useState } from 'preact/hooks';
import type { ConsoleLogEntry, ConsoleLogs, ConsoleModels } from '../../api-types';
import { consoleApi } from '../api';
import { clock, duration, usd } from '../format';
import { usePoll } from '../hooks';

interface Filters {
  status: '' | 'ok' | 'error';
  model: string;
  key: string;
  user: string;
}

function query(filters: Filters): string {
  const params = new URLSearchParams({ limit: '200' });
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  return params.toString();
}

function Status({ e }: { e: ConsoleLogEntry }) {
  const level = e.ok ? 'ok' : e.status !== null && e.status >= 400 && e.status < 500 ? 'warn' : 'bad';
  return (
    <>
      <span class={`badge ${level}`}>{e.status ?? 'failed'}</span>
      {e.stream && (
        <span class="chip" title={e.ok ? 'streamed' : 'the stream failed after its 200'}>
          {e.ok ? 'stream' : 'stream broke'}
        </span>
      )}
    </>
  );
}

function Row({ e }: { e: ConsoleLogEntry }) {
  const ok = e.ok;
  return (
    <tr class={ok ? '' : 'row-bad'} data-request-id={e.requestId}>
      <td data-label="Time" title={e.at}>
        {clock(e.at)}
      </td>
      <td data-label="Status">
        <Status e={e} />
      </td>
      <td data-label="Model group">{e.modelGroup ?? '–'}</td>
      <td data-label="Deployment">
        {e.deployment ?? '–'}
        {e.provider && <div class="muted small">{e.provider}</div>}
      </td>
      <td data-label="Attempts">{e.attempts ?? '–'}</td>
      <td data-label="Cost">{ok ? usd(e.costUsd) : '–'}</td>
      <td data-label="Latency">{duration(e.latencyMs)}</td>
      <td data-label="End-user">{e.user ?? '–'}</td>
      <td data-label="Key">{e.keyAlias ?? '–'}</td>
      <td data-label="Error" class="error-cell">
        {e.errorMessage ? (
          <details>
            <summary>{e.errorCode ?? 'error'}</summary>
            <p>{e.errorMessage}</p>
          </details>
        ) : (
          ''
        )}
      </td>
    </tr>
  );
}

/** The Logs page. */
export function Logs() {
  const [filters, setFilters] = useState<Filters>({ status: '', model: '', key: '', user: '' });
  const [live, setLive] = useState(true);
  const q = query(filters);
  const { data, error } = usePoll(() => consoleApi<ConsoleLogs>(`logs?${q}`), q, 5000, live);
  const { data: models } = usePoll(() => consoleApi<ConsoleModels>('models'), 'models', 60_000);
  const set = (name: keyof Filters) => (event: Event) =>
    setFilters({ ...filters, [name]: (event.currentTarget as HTMLInputElement).value.trim() });
  return (
    <section class="page">
      <form class="toolbar filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status{' '}
          <select name="status" value={filters.status} onChange={set('status')}>
            <option value="">all</option>
            <option value="ok">succeeded</option>
            <option value="error">failed</option>
          </select>
        </label>
        <label>
          Model group{' '}
          <select name="model" value={filters.model} onChange={set('model')}>
            <option value="">all</option>
            {models?.groups.map((g) => (
              <option key={g.name} value={g.name}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Key <input name="key" placeholder="alias or hash" value={filters.key} onChange={set('key')} />
        </label>
        <label>
          End-user <input name="user" value={filters.user} onChange={set('user')} />
        </label>
        <label>
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> live
        </label>
        {error && <span class="error">{error}</span>}
      </form>
      {data?.storeError && <p class="notice">{data.storeError}</p>}
      {data && (
        <p class="muted small" id="logs-source">
          {data.entries.length} shown ·{' '}
          {data.source === 'memory'
            ? `this proxy keeps the last ${data.capacity} edits in memory`
            : 'from the spend log (every proxy sharing the database), with the requests this proxy refused before any call'}
        </p>
      )}
      <table class="table" id="logs">
        <thead>
          <tr>
            <th>Time</th>
            <th>Status</th>
            <th>Model group</th>
            <th>Deployment</th>
            <th>Attempts</th>
            <th>Cost</th>
            <th>Latency</th>
            <th>End-user</th>
            <th>Key</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {data?.entries.map((e) => (
            <Row key={e.requestId} e={e} />
          ))}
        </tbody>
      </table>
      {data && data.entries.length === 0 && <p class="muted">No edits match.</p>}
    </section>
  );
}
