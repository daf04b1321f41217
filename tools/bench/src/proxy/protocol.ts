/**
 * What the benchmark's processes share: the upstream's key and stream timing, and the messages the
 * orchestrator exchanges with the upstream and the load client over IPC.
 * @module
 */

/** The key the upstream expects (`authorization: Bearer …`). */
export const UPSTREAM_KEY = 'sk-bench-upstream';
/** The key callers give retouch. */
export const PROXY_KEY = 'sk-bench-proxy';

/**
 * A retouch config.yaml with one deployment (`gpt-image-2`) in front of `upstreamUrl`, no retries,
 * {@link PROXY_KEY} as its master key: the proxy the single-target benches start.
 *
 * @example
 * ```ts
 * await writeFile(configFile, oneDeploymentConfig(upstream.url));
 * ```
 */
export function oneDeploymentConfig(upstreamUrl: string): string {
  return `model_list:\n  - model_name: gpt-image-2\n    litellm_params: { model: gpt-image-2, api_key: ${UPSTREAM_KEY}, api_base: "${upstreamUrl}/v1" }\nrouter_settings: { num_retries: 0 }\ngeneral_settings: { master_key: ${PROXY_KEY} }\n`;
}
/** Delay of a stream's first event after the request body arrived, in ms. */
export const FIRST_EVENT_MS = 50;
/** Delay between a stream's events, in ms. */
export const BETWEEN_EVENTS_MS = 20;

/** What the upstream received since the last `'stats'` message. */
export interface UpstreamStats {
  requests: number;
  bodyBytes: number;
  refused: number;
}

/** A load run the orchestrator asks the load client for. */
export interface LoadJob {
  id: number;
  url: string;
  headers: Record<string, string>;
  /** File holding the request body (read once per file by the client). */
  bodyFile: string;
  contentType: string;
  /** Requests to send. */
  total: number;
  concurrency: number;
  /** Time the first SSE event whose data holds `partial_image` (a streamed edit). */
  stream?: boolean;
  /** Stop starting requests after this many ms (the run stays bounded on a stalled target). */
  budgetMs: number;
  /** Deadline of one request, in ms. */
  timeoutMs: number;
}

/** What a load run measured. */
export interface LoadResult {
  id: number;
  /** Duration of each successful request, in ms. */
  samples: number[];
  /** Time to the first partial image of each successful streamed request, in ms. */
  firstEvent: number[];
  wallMs: number;
  /** Failed requests by status code or error code. */
  errors: Record<string, number>;
  /** The start of the first failure's answer, for the report. */
  firstError?: string;
  /** The run hit its budget before sending every request. */
  cutShort: boolean;
}
