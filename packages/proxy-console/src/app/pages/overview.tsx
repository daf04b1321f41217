/**
 * Overview: traffic, errors, latency and spend as charts, then each deployment's health — cooling
 * down or not (and until when), its recent failure kinds and its model's lifecycle warnings.
 */
import { useState } from 'preact/hooks';
import type { ConsoleDeployment, ConsoleOverview } from '../../api-types';
import { consoleApi } from '../api';
import { Bars, type Series, TimeChart } from '../charts';
import { clock, duration, fromNow, lifecycleLabel, ranked, usd } from '../format';
import { usePoll } from '../hooks';

const WINDOWS = [15, 60, 360, 1440];

function groupSeries(overview: ConsoleOverview, field: 'byModelGroup' | 'byDeployment'): Series[] {
  const names = new Set<string>();
  for (const m of overview.minutes) for (const name of Object.keys(m[field])) names.add(name);
  return [...names]
    .sort()
    .map((name) => ({ label: name, values: overview.minutes.map((m) => m[field][name] ?? 0) }));
}

function sum(overview: ConsoleOverview, field: 'byModelGroup' | 'byDeployment'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of overview.minutes) for (const [k, v] of Object.entries(m[field])) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** The bar charts: spend today and this month, and requests, by model group and deployment. */
function breakdowns(o: ConsoleOverview): [string, Record<string, number>, (v: number) => string][] {
  return [
    ['Spend today by model group', o.spend.today.byModelGroup, usd],
    ['Spend today by deployment', o.spend.today.byDeployment, usd],
    ['Spend this month by model group', o.spend.month.byModelGroup, usd],
    ['Spend this month by deployment', o.spend.month.byDeployment, usd],
    ['Requests in the window by model group', sum(o, 'byModelGroup'), String],
    ['Requests in the window by deployment', sum(o, 'byDeployment'), String],
  ];
}

function Health({ d, now }: { d: ConsoleDeployment; now: number }) {
  const kinds = ranked(d.failureKinds);
  const last = d.recentFailures[0];
  return (
    <tr class={d.healthy ? '' : 'row-bad'} data-deployment={d.id}>
      <td data-label="Deployment">
        <strong>{d.id}</strong>
        <div class="muted">
          {d.modelGroup} · {d.provider} · {d.model}
        </div>
      </td>
      <td data-label="Status">
        {d.healthy ? (
          <span class="badge ok">healthy</span>
        ) : (
          <span class="badge bad" title={d.coolingDownUntil ?? ''}>
            cooling down until {d.coolingDownUntil ? clock(d.coolingDownUntil) : '?'}
            {d.coolingDownUntil ? ` (${fromNow(d.coolingDownUntil, now)})` : ''}
          </span>
        )}
        {d.lifecycle && (
          <span
            class={`badge ${d.lifecycle.status === 'retired' ? 'bad' : 'warn'}`}
            title={d.lifecycle.message}
            data-lifecycle={d.lifecycle.status}
          >
            {lifecycleLabel(d.lifecycle)}
          </span>
        )}
      </td>
      <td data-label="In flight">{d.inFlight}</td>
      <td data-label="Avg latency">{duration(d.latencyMsAvg)}</td>
      <td data-label="Failures (1 min)">{d.failuresLastMinute}</td>
      <td data-label="Failure kinds">
        {kinds.length === 0 ? (
          <span class="muted">none</span>
        ) : (
          kinds.map(([kind, count]) => (
            <span class="chip" key={kind}>
              {kind} × {count}
            </span>
          ))
        )}
        {last && (
          <div class="muted small" title={last.message}>
            last {clock(last.at)}: {last.status ?? ''} {last.message.slice(0, 140)}
          </div>
        )}
      </td>
    </tr>
  );
}

/** The Overview page. */
export function Overview() {
  const [minutes, setMinutes] = useState(60);
  const [live, setLive] = useState(true);
  const { data, error } = usePoll(
    () => consoleApi<ConsoleOverview>(`overview?minutes=${minutes}`),
    String(minutes),
    5000,
    live,
  );
  if (!data) return <p class="muted">{error ?? 'Loading…'}</p>;
  const times = data.minutes.map((m) => m.t);
  const w = data.window;
  const errors = w.clientErrors + w.serverErrors;
  const cooling = data.deployments.filter((d) => !d.healthy).length;
  return (
    <section class="page">
      <div class="toolbar">
        <label>
          Window{' '}
          <select value={minutes} onChange={(e) => setMinutes(Number(e.currentTarget.value))}>
            {WINDOWS.map((m) => (
              <option key={m} value={m}>
                {m < 60 ? `${m} min` : `${m / 60} h`}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> live
        </label>
        {error && <span class="error">{error}</span>}
        <span class="muted small" id="spend-source">
          {data.source === 'memory'
            ? `counted by this proxy since ${new Date(data.since).toLocaleString()}`
            : `spend from the spend log (every proxy on its database); traffic counted by this proxy since ${new Date(data.since).toLocaleString()}`}
        </span>
      </div>
      {data.storeError && (
        <p class="notice" id="spend-store-error">
          {data.storeError}
        </p>
      )}
      <div class="stats">
        <div class="stat">
          <span>Requests</span>
          <strong data-stat="requests">{w.requests}</strong>
        </div>
        <div class="stat">
          <span>Errors</span>
          <strong data-stat="errors">
            {errors}
            {w.requests > 0 && <small> ({Math.round((errors / w.requests) * 100)}%)</small>}
          </strong>
        </div>
        <div class="stat">
          <span>p50 / p95</span>
          <strong>
            {duration(w.p50Ms)} / {duration(w.p95Ms)}
          </strong>
        </div>
        <div class="stat">
          <span>Spend today</span>
          <strong data-stat="spend-today">{usd(data.spend.today.totalUsd)}</strong>
        </div>
        <div class="stat">
          <span>Spend this month</span>
          <strong>{usd(data.spend.month.totalUsd)}</strong>
        </div>
        <div class={`stat ${cooling > 0 ? 'stat-bad' : ''}`}>
          <span>Cooling down</span>
          <strong data-stat="cooling">
            {cooling} / {data.deployments.length}
          </strong>
        </div>
      </div>
      <div class="grid">
        <TimeChart
          title="Requests and errors per minute"
          times={times}
          series={[
            { label: 'requests', values: data.minutes.map((m) => m.requests), color: '#2563eb' },
            { label: '4xx', values: data.minutes.map((m) => m.clientErrors), color: '#f59e0b' },
            { label: '5xx', values: data.minutes.map((m) => m.serverErrors), color: '#dc2626' },
          ]}
        />
        <TimeChart
          title="Latency of successful edits"
          times={times}
          format={(v) => duration(v)}
          series={[
            { label: 'p50', values: data.minutes.map((m) => m.p50Ms), color: '#059669', points: true },
            { label: 'p95', values: data.minutes.map((m) => m.p95Ms), color: '#7c3aed', points: true },
          ]}
        />
        <TimeChart
          title="Requests per model group"
          times={times}
          series={groupSeries(data, 'byModelGroup')}
        />
        <TimeChart title="Requests per deployment" times={times} series={groupSeries(data, 'byDeployment')} />
        {breakdowns(data).map(([title, record, format]) => (
          <Bars key={title} title={title} entries={ranked(record)} format={format} />
        ))}
      </div>
      {data.spend.month.unpricedCalls > 0 && (
        <p class="muted small">
          {data.spend.month.unpricedCalls} edits this month had no known price and are not in these sums.
        </p>
      )}
      <h2>Deployments</h2>
      <table class="table" id="deployments">
        <thead>
          <tr>
            <th>Deployment</th>
            <th>Status</th>
            <th>In flight</th>
            <th>Avg latency</th>
            <th>Failures (1 min)</th>
            <th>Failure kinds ({minutes < 60 ? `${minutes} min` : `${minutes / 60} h`})</th>
          </tr>
        </thead>
        <tbody>
          {data.deployments.map((d) => (
            <Health key={d.id} d={d} now={data.now} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
