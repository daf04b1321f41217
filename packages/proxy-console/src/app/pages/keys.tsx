/**
 * Keys and budgets: every virtual key with its spend against its budget; create (the key is shown
 * once), inspect, block and revoke database keys through the proxy's key API. Keys from
 * config.yaml are shown read-only.
 */
import { useState } from 'preact/hooks';
import type { ConsoleModels, ConsoleSession } from '../../api-types';
import { consoleApi } from '../api';
import { fromNow, usd } from '../format';
import { usePoll } from '../hooks';
import { KeyDetails } from '../key-details';
import {
  deleteKey,
  generateKey,
  KEY_PAGE_SIZE,
  type KeyRow,
  keyInfo,
  listKeys,
  type NewKey,
  setBlocked,
} from '../keys-api';

/** Budget periods offered (the key API takes any `30s`…`1mo` duration). */
const BUDGET_PERIODS = [
  ['', 'all time'],
  ['1d', '1 day'],
  ['7d', '7 days'],
  ['30d', '30 days'],
  ['1mo', 'a month'],
] as const;

/** Spend against budget: a bar, the figures, and when the period starts again. */
export function Budget({ row }: { row: KeyRow }) {
  if (row.maxBudget === null) return <span>{usd(row.spendUsd)} (no budget)</span>;
  const share = row.maxBudget > 0 ? Math.min(row.spendUsd / row.maxBudget, 1) : 1;
  const level = share >= 1 ? 'bad' : share >= 0.8 ? 'warn' : 'ok';
  return (
    <span class="budget">
      <progress
        class={level}
        value={share}
        max={1}
        aria-label={`${Math.round(share * 100)}% of the budget`}
      />
      <span class="budget-figures">
        {usd(row.spendUsd)} of {usd(row.maxBudget)}
      </span>
      {row.budgetDuration && (
        <span class="muted small">
          per {row.budgetDuration}
          {row.budgetResetAt ? `, resets ${fromNow(row.budgetResetAt)}` : ''}
        </span>
      )}
    </span>
  );
}

function CreateForm({
  groups,
  onCreated,
}: {
  groups: string[];
  onCreated: (key: string, row: KeyRow) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const fields: NewKey = {};
    if (text('key_alias')) fields.key_alias = text('key_alias');
    const models = form.getAll('models').map(String);
    if (models.length > 0) fields.models = models;
    if (text('max_budget')) fields.max_budget = Number(text('max_budget'));
    if (text('budget_duration')) fields.budget_duration = text('budget_duration');
    if (text('rpm_limit')) fields.rpm_limit = Number(text('rpm_limit'));
    if (text('duration')) fields.duration = text('duration');
    if (text('user_id')) fields.user_id = text('user_id');
    if (form.get('admin') === 'on') fields.metadata = { admin: true };
    setBusy(true);
    setError(null);
    try {
      const created = await generateKey(fields);
      formElement.reset();
      onCreated(created.key, created.row);
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
        Alias <input name="key_alias" placeholder="team-a" maxLength={256} />
      </label>
      <fieldset>
        <legend>Model groups (none ticked: all)</legend>
        {groups.map((g) => (
          <label key={g} class="check">
            <input type="checkbox" name="models" value={g} /> {g}
          </label>
        ))}
      </fieldset>
      <div class="row">
        <label>
          Budget, USD <input name="max_budget" type="number" min="0" step="0.01" inputMode="decimal" />
        </label>
        <label>
          Budget for
          <select name="budget_duration">
            {BUDGET_PERIODS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div class="row">
        <label>
          Requests / minute <input name="rpm_limit" type="number" min="1" step="1" inputMode="numeric" />
        </label>
        <label>
          Expires after <input name="duration" placeholder="30d, 12h" />
        </label>
      </div>
      <label>
        End-user <input name="user_id" />
      </label>
      <label class="check">
        <input type="checkbox" name="admin" /> Console admin (may sign in here and manage keys)
      </label>
      <button type="submit" disabled={busy}>
        Create key
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** A button that asks once more before doing something that cannot be undone. */
function ConfirmButton({
  label,
  confirm,
  onConfirm,
}: {
  label: string;
  confirm: string;
  onConfirm: () => void;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="danger" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span class="confirm">
      <button type="button" class="danger on" onClick={onConfirm}>
        {confirm}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/** The Keys page. */
export function Keys({ session }: { session: ConsoleSession }) {
  const keys = usePoll(() => listKeys(session.keyApi, session.spendLogs), 'keys', 15_000);
  const { data: models } = usePoll(() => consoleApi<ConsoleModels>('models'), 'models', 60_000);
  const [created, setCreated] = useState<{ key: string; alias: string } | null>(null);
  const [inspected, setInspected] = useState<(KeyRow & { raw: Record<string, unknown> }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = (work: () => Promise<void>) => () => {
    setError(null);
    work().catch((thrown: unknown) => setError((thrown as Error).message));
  };
  const revoke = (row: KeyRow) =>
    act(async () => {
      await deleteKey(row.id);
      if (inspected?.id === row.id) setInspected(null);
      keys.reload();
    });
  const block = (row: KeyRow) =>
    act(async () => {
      await setBlocked(row.id, !row.blocked);
      if (inspected?.id === row.id) setInspected(await keyInfo(row.id, session.spendLogs));
      keys.reload();
    });
  const rows = keys.data?.rows;
  return (
    <section class="page keys">
      {!session.keyApi && (
        <p class="notice">
          This proxy runs without a database (<code>--no-database</code>), so it has no key API: the keys
          below come from config.yaml and are read-only. Start it with a database (the default of{' '}
          <code>retouch</code>, or <code>DATABASE_URL</code>) to create and revoke keys here.
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {keys.error && <p class="error">Could not load the keys: {keys.error}</p>}
      {created && (
        <div class="notice created-key" role="status">
          <p>
            Key <strong>{created.alias}</strong> created. Copy it now — it is stored only as a hash and not
            shown again: <code id="new-key">{created.key}</code>
          </p>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(created.key)}>
            Copy
          </button>
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      <div class={session.keyApi ? 'split' : ''}>
        <div>
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
              {rows?.map((row) => (
                <tr
                  key={`${row.source}:${row.id}`}
                  data-key-alias={row.alias}
                  class={row.blocked ? 'row-bad' : ''}
                >
                  <td data-label="Alias">
                    <strong>{row.alias}</strong>
                    <div class="muted small">
                      {row.source === 'config' ? 'config.yaml' : (row.name ?? 'database')}
                      {row.admin ? ' · admin' : ''}
                      {row.blocked && <span class="badge bad">blocked</span>}
                    </div>
                  </td>
                  <td data-label="Model groups">{row.models ? row.models.join(', ') : 'all'}</td>
                  <td data-label="Spend / budget">
                    <Budget row={row} />
                  </td>
                  <td data-label="rpm">{row.rpmLimit ?? '–'}</td>
                  <td data-label="Expires">
                    {row.expires ? new Date(row.expires).toLocaleString() : 'never'}
                  </td>
                  <td class="actions">
                    {row.source === 'api' && (
                      <>
                        <button
                          type="button"
                          onClick={act(async () => {
                            setInspected(await keyInfo(row.id, session.spendLogs));
                            keys.reload();
                          })}
                        >
                          Inspect
                        </button>
                        <button type="button" onClick={block(row)}>
                          {row.blocked ? 'Unblock' : 'Block'}
                        </button>
                        <ConfirmButton label="Revoke" confirm="Delete for good" onConfirm={revoke(row)} />
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows && rows.length === 0 && <p class="muted">No virtual keys yet.</p>}
          {keys.data && keys.data.total > (rows?.length ?? 0) && (
            <p class="muted small">
              Showing the first {KEY_PAGE_SIZE} database keys of {keys.data.total}.
            </p>
          )}
          {inspected && <KeyDetails row={inspected} onClose={() => setInspected(null)} />}
        </div>
        {session.keyApi && (
          <CreateForm
            groups={models?.groups.map((g) => g.name) ?? []}
            onCreated={(key, row) => {
              setCreated({ key, alias: row.alias });
              keys.reload();
            }}
          />
        )}
      </div>
    </section>
  );
}
