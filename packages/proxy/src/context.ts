/**
 * What every route shares: the config, the router, the keys, the metrics, the logger, and the
 * per-request state kept on the request.
 * @module
 */
import type { Router } from '@retouch/router';
import type { Store } from '@retouch/store';
import type { FastifyBaseLogger } from 'fastify';
import type { Caller, KeyStore } from './auth.js';
import type { EndUsers } from './budgets.js';
import type { ProxyConfig } from './config/proxy-config.js';
import type { ImageHosting } from './image-urls/hosting.js';
import type { ProxyMetrics } from './metrics.js';

/** Per-request state, on `request.retouch`. */
export interface RequestState {
  caller?: Caller;
  /** The model group the request asked for, once known. */
  modelGroup?: string;
  /** End-user, once known. */
  user?: string;
  deploymentId?: string;
  costUsd?: number | null;
  attempts?: number;
  errorCode?: string | null;
  /** Answered as an event stream (`stream=true`, once its first event came). */
  stream?: boolean;
  /** The failure's message when it came after the status line (a stream's `error` event). */
  errorMessage?: string;
  /** The client hung up before the answer (logged as 499). */
  clientClosed?: boolean;
  /** The access-log line and metric are written (once per request). */
  logged?: boolean;
  /** The call's warnings, logged in full with the request line. */
  warnings?: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    retouch: RequestState;
  }
}

/** The shared state of a running proxy. */
export interface ProxyContext {
  readonly config: ProxyConfig;
  readonly router: Router;
  readonly keys: KeyStore;
  /** Keys, budgets and spend logs; absent when the proxy runs without a database. */
  readonly store?: Store;
  /** The store's end-users, cached (with a store). */
  readonly endUsers?: EndUsers;
  /** Spend the store holds for each budgeted config key, by key hash (read at start-up). */
  readonly configSeeds?: ReadonlyMap<string, number>;
  readonly metrics: ProxyMetrics;
  readonly log: FastifyBaseLogger;
  /** Epoch seconds of startup (`created` of `/v1/models`). */
  readonly startedAt: number;
  /** The model groups a request's `model` names (a group, or the groups of a deployment model). */
  groupsOf(model: string): string[];
  /** Whether every deployment `model` may reach takes a request without a prompt. */
  promptOptional(model: string): boolean;
  /** True once shutdown began (readiness answers 503). */
  closing: boolean;
  /** One controller per edit in flight: shutdown aborts them at the end of its grace period. */
  readonly inFlight: Set<AbortController>;
  /** Where `response_format: "url"` images are kept, and their signed URLs. */
  readonly imageUrls: ImageHosting;
}
