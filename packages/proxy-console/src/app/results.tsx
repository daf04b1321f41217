/**
 * The playground's results beside the input: while a stream runs, the latest partial image and the
 * final images as they arrive; then the final images with cost, latency and the serving deployment.
 */
import { duration, usd } from './format';
import type { EditOutcome } from './run-edit';

/** What a running stream has shown so far. */
export interface LiveImages {
  /** The latest partial image. */
  partial: string | null;
  partials: number;
  /** Final images received. */
  images: string[];
}

/** The results card. */
export function Results({
  input,
  live,
  result,
}: {
  input: string | null;
  live: LiveImages | null;
  result: (EditOutcome & { masked: boolean }) | null;
}) {
  const images = result?.images ?? live?.images ?? [];
  return (
    <div class="card results" id="results" aria-busy={live !== null}>
      {result ? (
        <p class="meta">
          <span>
            deployment <strong id="result-deployment">{result.deployment ?? '?'}</strong>
          </span>
          <span>provider {result.provider ?? '?'}</span>
          <span>
            cost <strong id="result-cost">{usd(result.costUsd)}</strong>
          </span>
          <span>
            latency <span id="result-latency">{duration(result.latencyMs)}</span>
          </span>
          {result.streamed && (
            <span>
              first event {duration(result.firstEventMs)} · {result.partials} partial
              {result.partials === 1 ? '' : 's'}
            </span>
          )}
          <span>attempts {result.attempts ?? '?'}</span>
          <span>{result.masked ? 'with mask' : 'no mask'}</span>
        </p>
      ) : (
        <p class="meta" role="status">
          <span class="badge warn">streaming</span>
          <span>
            {live?.partials ?? 0} partial image{live?.partials === 1 ? '' : 's'}, {images.length} final
          </span>
        </p>
      )}
      <div class="side-by-side">
        {input && (
          <figure>
            <img src={input} alt="Input" />
            <figcaption>input</figcaption>
          </figure>
        )}
        {images.map((src, i) => (
          <figure key={src.slice(-64) + i}>
            <img src={src} alt={`Result ${i + 1}`} class="result-image" />
            <figcaption>result {i + 1}</figcaption>
          </figure>
        ))}
        {live?.partial && !result && (
          <figure>
            <img
              src={live.partial}
              alt={`Edit in progress, partial ${live.partials}`}
              class="partial-image"
            />
            <figcaption>partial {live.partials}, in progress</figcaption>
          </figure>
        )}
      </div>
    </div>
  );
}
