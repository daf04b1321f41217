/**
 * Keys and budgets: every virtual key with its spend against its budget; create, inspect and revoke
 * keys through the proxy's key API (config.yaml keys are shown read-only).
 */
import { useState } from 'preact/hooks';
import type { ConsoleModels, ConsoleSession } from '../../api-types';
import { consoleApi } from '../api';
import { usd } from '../format';
import { usePoll } from '../hooks';
import { deleteKey, generateKey, type KeyRow, keyInfo, listKeys, type NewKey } from '../keys-api';

function Budget({ row }: { row: KeyRow }) {
  if (row.maxBudget === null) return <span>{usd(row.spendUsd)} (no budget)</span>;
  const share = row.maxBudget > 0 ? Math.min(row.spendUsd / row.maxBudget, 1) : 1;
  const level = share >= 1 ? 'bad' : share >= 0.8 ? 'warn' : 'ok';
  return (
    <span class="budget">
      <progress class={level} value={share} max={1} />
      {usd(row.spendUsd)} of {usd(row.maxBudget)}
    </span>
  );
}

function CreateForm({ groups, onCreated }: { groups: string[]; onCreated: (key: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const fields: NewKey = {};
    if (text('key_alias')) fields.key_alias = text('key_alias');
    const models = form.getAll('models').map(String);
    if (models.length > 0) fields.models = models;
    if (text('max_budget')) fields.max_budget = Number(text('max_budget'));
    if (text('rpm_limit')) fields.rpm_limit = Number(text('rpm_limit'));
    if (text('duration')) fields.duration = text('duration');
    if (text('user_id')) fields.user_id = text('user_id');
    setBusy(true);
    setError(null);
    try {
      const created = await generateKey(fields);
      (event.currentTarget as HTMLFormElement | null)?.reset();
      onCreated(created.key);
    } catch (thrown) {
      setError((thrown as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card create-key" id="create-key" onSubmit={submit}>
      <h2>New key</h2>
      <label>
        Alias <input name="key_alias" placeholder="team-a" />
      </label>
      <fieldset>
        <legend>Model groups (none ticked: all)</legend>
        {groups.map((g) => (
          <label key={g} class="check">
            <input type="checkbox" name="models" value={g} /> {g}
          </label>
        ))}
      </fieldset>
      <label>
        Budget, USD <input name="max_budget" type="number" min="0" step="0.01" />
      </label>
      <label>
        Requests per minute <input name="rpm_limit" type="number" min="1" step="1" />
      </label>
      <label>
        Expires after <input name="duration" placeholder="30d, 12h" />
      </label>
      <label>
        End-user <input name="user_id" />
      </label>
      <button type="submit" disabled={busy}>
        Create key
      </button>
      {error && <p class="error">{error}</p>}
    </form>
  );
}

/** The Keys page. */
export function Keys({ session }: { session: ConsoleSession }) {
  const keys = usePoll(() => listKeys(session.keyApi), 'keys', 15_000);
  const { data: models } = usePoll(() => consoleApi<ConsoleModels>('models'), 'models', 60_000);
  const [created, setCreated] = useState<string | null>(null);
  const [inspected, setInspected] = useState<(KeyRow & { raw: Record<string, unknown> }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = (work: () => Promise<void>) => () => {
    setError(null);
    work().catch((thrown: unknown) => setError((thrown as Error).message));
  };
  const revoke = (row: KeyRow) =>
    act(async () => {
      if (!confirm(`Revoke key ${row.alias}? Requests with it fail at once.`)) return;
      await deleteKey(row.id);
      if (inspected?.id === row.id) setInspected(null);
      keys.reload();
    });
  return (
    <section class="page keys">
      {!session.keyApi && (
        <p class="notice">
          This proxy has no key API yet: the keys below come from config.yaml and are read-only. Create and
          revoke keys there, then restart the proxy.
        </p>
      )}
      {error && <p class="error">{error}</p>}
      {created && (
        <div class="notice created-key" role="status">
          <p>
            New key — copy it now, it is not shown again: <code id="new-key">{created}</code>
          </p>
          <button type="button" onClick={() => navigator.clipboard?.writeText(created)}>
            Copy
          </button>
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      <div class="split">
        <table class="table" id="keys">
          <thead>
            <tr>
              <th>Alias</th>
              <th>Model groups</th>
              <th>Spend / budget</th>
              <th>rpm</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.data?.map((row) => (
              <tr key={`${row.source}:${row.id}`} data-key-alias={row.alias}>
                <td data-label="Alias">
                  <strong>{row.alias}</strong>
                  <div class="muted small">
                    {row.source === 'config' ? 'config.yaml' : 'key API'}
                    {row.admin ? ' · admin' : ''}
                  </div>
                </td>
                <td data-label="Model groups">{row.models ? row.models.join(', ') : 'all'}</td>
                <td data-label="Spend / budget">
                  <Budget row={row} />
                </td>
                <td data-label="rpm">{row.rpmLimit ?? '–'}</td>
                <td data-label="Expires">{row.expires ? new Date(row.expires).toLocaleString() : 'never'}</td>
                <td class="actions">
                  {row.source === 'api' && (
                    <>
                      <button type="button" onClick={act(async () => setInspected(await keyInfo(row.id)))}>
                        Inspect
                      </button>
                      <button type="button" class="danger" onClick={revoke(row)}>
                        Revoke
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {session.keyApi && (
          <CreateForm
            groups={models?.groups.map((g) => g.name) ?? []}
            onCreated={(key) => {
              setCreated(key);
              keys.reload();
            }}
          />
        )}
      </div>
      {keys.data && keys.data.length === 0 && <p class="muted">No virtual keys.</p>}
      {inspected && (
        <div class="card" id="key-info">
          <h2>
            {inspected.alias}{' '}
            <button type="button" onClick={() => setInspected(null)}>
              Close
            </button>
          </h2>
          <pre>{JSON.stringify(inspected.raw, null, 2)}</pre>
        </div>
      )}
    </section>
  );
}
