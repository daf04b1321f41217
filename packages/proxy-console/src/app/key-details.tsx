/** One database key in full, as `/key/info` tells it (never the key: only its hash). */
import { usd } from './format';
import type { KeyRow } from './keys-api';

const when = (at: string | null, none: string) => (at ? new Date(at).toLocaleString() : none);

/** The details card the Keys page opens with "Inspect". */
export function KeyDetails({
  row,
  onClose,
}: {
  row: KeyRow & { raw: Record<string, unknown> };
  onClose: () => void;
}) {
  const metadata = row.raw.metadata as Record<string, unknown> | undefined;
  const facts: [string, string][] = [
    ['Token (SHA-256)', row.id],
    ['Name', row.name ?? '–'],
    ['Model groups', row.models ? row.models.join(', ') : 'all'],
    ['Spend', usd(row.spendUsd)],
    ['Budget', row.maxBudget === null ? 'none' : usd(row.maxBudget)],
    ['Budget period', row.budgetDuration ?? 'the key’s whole life'],
    ['Budget resets', when(row.budgetResetAt, '–')],
    ['Requests / minute', row.rpmLimit === null ? 'no limit' : String(row.rpmLimit)],
    ['End-user', row.userId ?? '–'],
    ['Console admin', row.admin ? 'yes' : 'no'],
    ['Blocked', row.blocked ? 'yes' : 'no'],
    ['Expires', when(row.expires, 'never')],
    ['Created', when(row.createdAt, '–')],
  ];
  return (
    <div class="card" id="key-info">
      <h2 class="with-action">
        <span>{row.alias}</span>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </h2>
      <dl class="facts">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd data-fact={label}>{value}</dd>
          </div>
        ))}
      </dl>
      {metadata && Object.keys(metadata).length > 0 && (
        <details>
          <summary>metadata</summary>
          <pre>{JSON.stringify(metadata, null, 2)}</pre>
        </details>
      )}
    </div>
  );
}
