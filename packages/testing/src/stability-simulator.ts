/**
 * A faithful, deterministic simulator of Stability AI's v2beta image services: bearer auth, every
 * edit / control / upscale endpoint's multipart fields validated per endpoint, `accept:
 * application/json` (`{image, seed, finish_reason}`) or raw image bytes with `finish-reason` and
 * `seed` headers, `CONTENT_FILTERED` answers (HTTP 200, blurred image), async endpoints (relight,
 * creative upscale) that answer `{id}` and stay `202 in-progress` on `GET /v2beta/results/{id}` for a
 * few polls (then answer the image as `result`), Stability's `{id, name, errors}` error body, the 150 requests / 10 s rate limit, and
 * every fault of the base simulator.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { RecordedRequest } from './recorded-request.js';
import { type Simulator, type SimulatorReply, startSimulator } from './simulator.js';
import { renderStabilityResult, seedFor } from './stability-render.js';
import { STABILITY_ENDPOINTS, STABILITY_RATE_LIMIT, STABILITY_RESULTS_PATH } from './stability-spec.js';
import {
  type StabilityEdit,
  StabilityApiError,
  stabilityErrorBody,
  validateStabilityEdit,
} from './stability-validate.js';

/** Settings of {@link startStabilitySimulator}. */
export interface StabilitySimulatorOptions {
  /** The one key accepted as `authorization: Bearer <key>`. Defaults to `sk-test-stability-simulator`. */
  apiKey?: string;
  /** Put the presented key in 401 bodies, to prove that clients redact it. */
  echoKeyInErrors?: boolean;
  /** Polls of an async generation answered `202 in-progress` before the result. Defaults to 2. */
  pendingPolls?: number;
  /** Requests allowed per window before 429s (Stability: 150 per 10 s, then a 60 s timeout); `false` turns it off. */
  rateLimit?: { requests: number; windowMs: number; timeoutMs: number } | false;
}

/** One async generation, as tests may inspect it. */
export interface StabilityGeneration {
  id: string;
  path: string;
  polls: number;
  finishReason: string;
}

/** The Stability simulator: the base simulator plus finish reasons and async generations. */
export interface StabilitySimulator extends Simulator {
  /** The next `times` generations finish with `reason` (`CONTENT_FILTERED`: blurred output, HTTP 200). */
  queueFinishReason(reason: 'SUCCESS' | 'CONTENT_FILTERED', times?: number): void;
  /** Async generations since the last reset. */
  generations(): StabilityGeneration[];
}

interface Generation extends StabilityGeneration {
  pendingPolls: number;
  result: { bytes: Buffer; mediaType: string; seed: number };
}

const DEFAULT_API_KEY = 'sk-test-stability-simulator';
const DEFAULT_NAMES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  402: 'payment_required',
  403: 'content_moderation',
  404: 'not_found',
  413: 'payload_too_large',
  422: 'invalid_language',
  429: 'rate_limit_exceeded',
  500: 'internal_error',
};

function checkAuth(request: RecordedRequest, options: StabilitySimulatorOptions): void {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  const presented = match?.[1]?.trim();
  if (!presented) throw new StabilityApiError(401, 'unauthorized', ['authorization: missing or invalid']);
  if (presented !== (options.apiKey ?? DEFAULT_API_KEY)) {
    const shown = options.echoKeyInErrors ? ` (${presented})` : '';
    throw new StabilityApiError(401, 'unauthorized', [`authorization: invalid API key${shown}`]);
  }
}

/**
 * A finished image. As JSON, sync endpoints name the base64 `image`; `GET /v2beta/results/{id}`
 * names it `result` (the field Stability's own clients read there).
 */
function imageReply(
  edit: Pick<StabilityEdit, 'answer'>,
  result: Generation['result'],
  finishReason: string,
  field: 'image' | 'result' = 'image',
): SimulatorReply {
  if (edit.answer === 'json') {
    return {
      status: 200,
      headers: { 'content-type': `application/json; type=${result.mediaType}` },
      json: { [field]: result.bytes.toString('base64'), seed: result.seed, finish_reason: finishReason },
    };
  }
  return {
    status: 200,
    headers: { 'content-type': result.mediaType, 'finish-reason': finishReason, seed: String(result.seed) },
    body: result.bytes,
  };
}

function render(edit: StabilityEdit, finishReason: string): Generation['result'] {
  const { spec, files, fields } = edit;
  const main = files.image ?? files.subject_image ?? files.init_image;
  const prompt = fields.prompt ?? fields.background_prompt ?? '';
  const rendered = renderStabilityResult({
    // A filtered generation comes back blurred: here, one flat colour.
    kind: finishReason === 'CONTENT_FILTERED' ? 'tint' : spec.render,
    image: finishReason === 'CONTENT_FILTERED' ? Buffer.alloc(0) : (main?.bytes ?? Buffer.alloc(0)),
    imageSize: main?.info,
    second: files.style_image?.bytes ?? files.background_reference?.bytes,
    mask: files.mask?.bytes,
    prompt,
    outpaint: {
      left: Number(fields.left ?? 0),
      right: Number(fields.right ?? 0),
      up: Number(fields.up ?? 0),
      down: Number(fields.down ?? 0),
    },
    outputFormat: fields.output_format ?? 'png',
  });
  const seed = seedFor(Number(fields.seed ?? 0), `${spec.path}|${prompt}`);
  return { bytes: rendered.bytes, mediaType: rendered.mediaType, seed };
}

/**
 * Starts the Stability simulator. Point a client at `sim.url` (the API base, without `/v2beta`).
 *
 * @example
 * ```ts
 * const sim = await startStabilitySimulator({ apiKey: 'sk-test' });
 * const form = new FormData();
 * form.append('image', new Blob([createPng(64, 64)], { type: 'image/png' }), 'image.png');
 * form.append('prompt', 'a red armchair');
 * const response = await fetch(`${sim.url}/v2beta/stable-image/edit/inpaint`, {
 *   method: 'POST',
 *   headers: { authorization: 'Bearer sk-test', accept: 'application/json' },
 *   body: form,
 * });
 * (await response.json()).finish_reason; // 'SUCCESS'
 * await sim.close();
 * ```
 */
export async function startStabilitySimulator(
  options: StabilitySimulatorOptions = {},
): Promise<StabilitySimulator> {
  const generations = new Map<string, Generation>();
  const finishReasons: string[] = [];
  const limit = options.rateLimit === undefined ? STABILITY_RATE_LIMIT : options.rateLimit;
  let recent: number[] = [];
  let timedOutUntil = 0;

  function checkRateLimit(): void {
    if (!limit) return;
    const now = Date.now();
    recent = recent.filter((time) => now - time < limit.windowMs);
    recent.push(now);
    if (now < timedOutUntil || recent.length > limit.requests) {
      if (now >= timedOutUntil) timedOutUntil = now + limit.timeoutMs;
      throw new StabilityApiError(
        429,
        'rate_limit_exceeded',
        [
          `You have exceeded the rate limit of ${limit.requests} requests within a ${limit.windowMs / 1000} second period, and have been timed out for ${limit.timeoutMs / 1000} seconds.`,
        ],
        { 'retry-after': String(Math.ceil((timedOutUntil - now) / 1000)) },
      );
    }
  }

  function generate(request: RecordedRequest): SimulatorReply {
    const spec = STABILITY_ENDPOINTS[request.path];
    if (!spec)
      throw new StabilityApiError(404, 'not_found', [`${request.method} ${request.path}: no such endpoint`]);
    if (request.method !== 'POST') {
      throw new StabilityApiError(405, 'method_not_allowed', [`${request.method}: use POST`]);
    }
    const edit = validateStabilityEdit(request, spec);
    const finishReason = finishReasons.shift() ?? 'SUCCESS';
    const result = render(edit, finishReason);
    if (!spec.async) return imageReply(edit, result, finishReason);
    const id = randomBytes(32).toString('hex');
    generations.set(id, {
      id,
      path: spec.path,
      polls: 0,
      finishReason,
      pendingPolls: options.pendingPolls ?? 2,
      result,
    });
    return { status: 200, json: { id } };
  }

  function result(request: RecordedRequest): SimulatorReply {
    if (request.method !== 'GET')
      throw new StabilityApiError(405, 'method_not_allowed', [`${request.method}: use GET`]);
    const id = request.path.slice(STABILITY_RESULTS_PATH.length);
    const generation = generations.get(id);
    if (!generation) {
      throw new StabilityApiError(404, 'not_found', [`id: generation ${id} was not found or has expired`]);
    }
    generation.polls++;
    if (generation.polls <= generation.pendingPolls) {
      return { status: 202, json: { id, status: 'in-progress' } };
    }
    const accept = (request.headers.accept ?? 'image/*').toLowerCase();
    const answer = accept.startsWith('application/json') ? 'json' : 'image';
    return imageReply({ answer }, generation.result, generation.finishReason, 'result');
  }

  function route(request: RecordedRequest): SimulatorReply {
    checkAuth(request, options);
    checkRateLimit();
    if (request.path.startsWith(STABILITY_RESULTS_PATH)) return result(request);
    return generate(request);
  }

  const base = await startSimulator({
    name: 'stability',
    errorBody: (status, message, code) =>
      stabilityErrorBody(code ?? DEFAULT_NAMES[status] ?? 'internal_error', [message]),
    responseHeaders: () => ({ 'x-request-id': randomBytes(16).toString('hex') }),
    handle(request) {
      try {
        return route(request);
      } catch (error) {
        if (!(error instanceof StabilityApiError)) throw error;
        return {
          status: error.status,
          headers: error.headers,
          json: stabilityErrorBody(error.code, error.errors),
        };
      }
    },
  });
  return {
    ...base,
    lastRequest: () => base.lastRequest(),
    injectFault: (fault, faultOptions) => base.injectFault(fault, faultOptions),
    clearFaults: () => base.clearFaults(),
    close: () => base.close(),
    reset() {
      base.reset();
      generations.clear();
      finishReasons.length = 0;
      recent = [];
      timedOutUntil = 0;
    },
    queueFinishReason(reason, times = 1) {
      for (let index = 0; index < times; index++) finishReasons.push(reason);
    },
    generations: () =>
      [...generations.values()].map(({ id, path, polls, finishReason }) => ({
        id,
        path,
        polls,
        finishReason,
      })),
  };
}
