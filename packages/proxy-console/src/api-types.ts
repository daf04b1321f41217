/**
 * The JSON the proxy's console API (`/ui/api/*`) answers with: one definition read by the pages in
 * the browser and by the proxy route that builds the answers. Times are ISO 8601 strings unless a
 * field says epoch milliseconds; money is USD; `null` means unknown, never 0.
 * @module
 */

/** `GET /ui/api/session`: who is signed in and which optional proxy features exist. */
export interface ConsoleSession {
  /** The key's alias (`master` for the master key). */
  alias: string;
  /** Signed in with the master key (else a virtual key with `admin: true`). */
  master: boolean;
  /** The key management API (`/key/generate`, `/key/list`, …) is served by this proxy. */
  keyApi: boolean;
  /** The spend log API (`/spend/logs`) is served by this proxy. */
  spendLogs: boolean;
}

/** Request counts and latency of one minute (UTC, aligned to the minute). */
export interface ConsoleMinute {
  /** Start of the minute, epoch ms. */
  t: number;
  /** Edit requests answered in this minute. */
  requests: number;
  /** Answers with a 4xx status (the caller's mistake, a refusal, a limit). */
  clientErrors: number;
  /** Answers with a 5xx status (upstream or proxy failures). */
  serverErrors: number;
  /** Median latency of the successful edits of the minute, ms; null when there were none. */
  p50Ms: number | null;
  /** 95th percentile latency of the successful edits of the minute, ms; null when there were none. */
  p95Ms: number | null;
  /** Spend of the minute (priced calls only). */
  costUsd: number;
  /** Requests per model group. */
  byModelGroup: Record<string, number>;
  /** Requests per serving deployment. */
  byDeployment: Record<string, number>;
}

/** Spend of one period, split by model group and deployment. */
export interface ConsoleSpend {
  totalUsd: number;
  byModelGroup: Record<string, number>;
  byDeployment: Record<string, number>;
  /** Successful edits whose cost could not be known (not counted as 0). */
  unpricedCalls: number;
}

/** One failed upstream attempt of a deployment. */
export interface ConsoleFailure {
  at: string;
  /** `RateLimitError`, `InternalServerError`, `TimeoutError`, … */
  errorClass: string;
  status: number | null;
  message: string;
}

/** A deployment's health as the router sees it, with its recent failures. */
export interface ConsoleDeployment {
  id: string;
  modelGroup: string;
  /** `litellm_params.model` as configured. */
  model: string;
  provider: string;
  healthy: boolean;
  /** When the cooldown ends; null when not cooling down. */
  coolingDownUntil: string | null;
  inFlight: number;
  latencyMsAvg: number | null;
  failuresLastMinute: number;
  /** Failed attempts of the overview's window, by error class. */
  failureKinds: Record<string, number>;
  /** The last failed attempts, newest first (at most 10). */
  recentFailures: ConsoleFailure[];
  /** Lifecycle warning of the deployment's model (deprecated, retired, passed through unlisted), when there is one. */
  lifecycle: ConsoleLifecycle | null;
}

/** What the catalogue says of a deployment's model, when it is worth a warning. */
export interface ConsoleLifecycle {
  /** `active` (an unlisted model passed through by family rules), `preview`, `deprecated` or `retired`. */
  status: string;
  /** The day it shuts (or shut) down upstream, `YYYY-MM-DD`. */
  shutdown: string | null;
  /** The model the vendor names instead. */
  successor: string | null;
  /** False when the router never selects the deployment (retired, not allowed). */
  selected: boolean;
  /** The whole warning, as the proxy logs it at start-up. */
  message: string;
}

/** `GET /ui/api/overview?minutes=60`. */
export interface ConsoleOverview {
  /** Epoch ms of this answer. */
  now: number;
  /** Epoch ms since which this proxy process has been counting. */
  since: number;
  /**
   * Where spend comes from: this process's memory (since `since`) or the store's spend log (every
   * proxy on the database, across restarts). Traffic, latency and failures are always this process's.
   */
  source: 'memory' | 'store';
  /** Why spend is not from the store though the proxy has one (it cannot be read); else null. */
  storeError: string | null;
  /** One entry per minute of the window, oldest first. */
  minutes: ConsoleMinute[];
  /** The whole window at once (percentiles over every successful edit in it). */
  window: Pick<ConsoleMinute, 'requests' | 'clientErrors' | 'serverErrors' | 'p50Ms' | 'p95Ms'>;
  spend: {
    /** Today, UTC. */
    today: ConsoleSpend;
    /** This calendar month, UTC. */
    month: ConsoleSpend;
  };
  deployments: ConsoleDeployment[];
}

/** One edit request as the Logs page lists it. */
export interface ConsoleLogEntry {
  requestId: string;
  /** When the answer ended. */
  at: string;
  /**
   * The HTTP status the caller got; null when not known (a failed call in the spend log that this
   * proxy process did not answer: the spend log keeps success or failure only).
   */
  status: number | null;
  /** The edit succeeded: a status under 400 and, for a stream, no error after its 200. */
  ok: boolean;
  /** Answered as an event stream (`stream=true`). */
  stream: boolean;
  modelGroup: string | null;
  /** The deployment that served it (or whose attempt failed last). */
  deployment: string | null;
  provider: string | null;
  attempts: number | null;
  costUsd: number | null;
  latencyMs: number | null;
  user: string | null;
  keyAlias: string | null;
  /** OpenAI-style error code (`rate_limit_exceeded`, …) for failures. */
  errorCode: string | null;
  /** The error message the caller got, for failures. */
  errorMessage: string | null;
}

/**
 * `GET /ui/api/logs?status=ok|error&model=&key=&user=&request=&limit=`, newest first. `error` also
 * takes the streams that failed after their 200 (an `error` event, a hang-up); `request` is one
 * request id (`x-request-id`).
 */
export interface ConsoleLogs {
  /**
   * `store`: the spend log (every proxy's calls, across restarts), completed from this process's
   * memory, plus the requests refused before any call; `memory`: what this process saw.
   */
  source: 'memory' | 'store';
  /** How many entries the source keeps; null for the spend log (its retention is the database's). */
  capacity: number | null;
  /** Why the spend log is not the source though the proxy has a store (it cannot be read); else null. */
  storeError: string | null;
  entries: ConsoleLogEntry[];
}

/** What one model group accepts, merged over its deployments (the router picks one that can). */
export interface ConsoleModelGroup {
  name: string;
  deployments: { id: string; model: string; provider: string }[];
  /** `none`: no deployment takes a mask; `required`: every deployment needs one. */
  mask: 'none' | 'optional' | 'required';
  minImages: number;
  maxImages: number;
  maxN: number;
  /** Named sizes some deployment accepts (`auto` included when accepted). */
  sizes: string[];
  /** Free-form `WxH` sizes accepted by some deployment: the loosest of their rules. */
  customSizes: { multipleOf: number; maxSide: number; maxPixels: number; maxAspectRatio: number } | null;
  qualities: string[];
  outputFormats: string[];
  promptRequired: boolean;
  maxPromptLength: number | null;
  /**
   * Whether some deployment streams upstream (`stream`). Every group answers `stream=true`: where
   * the upstream does not stream, the events are the final images (`image_edit.completed`).
   */
  streaming: boolean;
  /** Whether some deployment streams partial images (`partial_images`); the others send the final images only. */
  partialImages: boolean;
}

/** `GET /ui/api/models`. */
export interface ConsoleModels {
  groups: ConsoleModelGroup[];
}

/** A virtual key from config.yaml, with its spend. */
export interface ConsoleConfigKey {
  alias: string;
  /** Short hash of the key (never the key). */
  keyHash: string;
  /** Allowed model groups; null means every group. */
  models: string[] | null;
  maxBudget: number | null;
  spendUsd: number;
  rpmLimit: number | null;
  userId: string | null;
  admin: boolean;
}

/** `GET /ui/api/keys`: the keys config.yaml declares (database keys come from `/key/list`). */
export interface ConsoleKeys {
  keys: ConsoleConfigKey[];
  /**
   * Spend per key as `router.spend()` reports it (this proxy's count, or with a spend log every
   * proxy's, all time), by short hash (the first 12 hex digits of the key's SHA-256, as
   * `/key/list`'s `token` starts).
   */
  spendByKey: Record<string, number>;
}

/** `POST /ui/api/login` body. */
export interface ConsoleLogin {
  key: string;
}
