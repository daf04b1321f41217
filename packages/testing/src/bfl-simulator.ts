/**
 * A faithful, deterministic simulator of the Black Forest Labs API: `x-key` auth, `POST
 * /v1/{endpoint}` validated against each endpoint's request schema (422 FastAPI errors), tasks that
 * stay `Pending` for several polls of the returned `polling_url` before they turn `Ready` (or a
 * queued outcome: moderation, `Error`, `Task not found`, never done), the 24 / 6 active-task limit
 * (429), and `result.sample` as a signed delivery URL that expires (403 after `resultTtlMs`).
 * @module
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { renderBFLResult } from './bfl-output.js';
import {
  BFL_ACTIVE_TASK_LIMITS,
  BFL_CREDITS,
  BFL_EDIT_ENDPOINTS,
  BFL_RESULT_TTL_MS,
  type BFLTaskStatus,
} from './bfl-spec.js';
import { BFLApiError, type BFLSubmit, validateBFLSubmit } from './bfl-validate.js';
import type { RecordedRequest } from './recorded-request.js';
import { type Simulator, type SimulatorReply, startSimulator } from './simulator.js';

/** Settings of {@link startBFLSimulator}. */
export interface BFLSimulatorOptions {
  /** The one key accepted in `x-key`. Defaults to `bfl-test-simulator`. */
  apiKey?: string;
  /** Put the presented key in 401 bodies, to prove that clients redact it. */
  echoKeyInErrors?: boolean;
  /** Polls a task answers `Pending` before its outcome. Defaults to 2. */
  pendingPolls?: number;
  /** Lifetime of a signed result URL in ms. Defaults to 10 minutes. */
  resultTtlMs?: number;
  /** Base of `result.sample` URLs. Defaults to the simulator itself. */
  resultBaseUrl?: string;
  /** Base of `polling_url`. Defaults to the simulator itself. */
  pollingBaseUrl?: string;
  /** Path of `polling_url` (any path ending in `/v1/get_result` is served). Defaults to `/v1/get_result`. */
  pollingPath?: string;
  /** Report `cost`, `input_mp`, `output_mp` on submit. Defaults to true. */
  reportCost?: boolean;
  /** Active-task limits. Default: 24 per account, 6 for flux-kontext-max. */
  activeTaskLimits?: { default: number; 'flux-kontext-max': number };
}

/** What a task ends in. `Pending` never ends. */
export interface BFLTaskOutcome {
  status: BFLTaskStatus;
  /** Pending polls before the outcome; defaults to the simulator's `pendingPolls`. */
  pendingPolls?: number;
  /** `details` of the terminal answer (moderation reasons, error text). */
  details?: Record<string, unknown>;
}

/** One task, as tests may inspect it. */
export interface BFLTaskView {
  id: string;
  endpoint: string;
  status: BFLTaskStatus;
  polls: number;
  sampleUrl?: string;
}

/** The BFL simulator: the base simulator plus task outcomes. */
export interface BFLSimulator extends Simulator {
  /** The next `times` submitted tasks end in `outcome` instead of `Ready`. */
  queueOutcome(outcome: BFLTaskOutcome, times?: number): void;
  /** Every task submitted since the last reset. */
  tasks(): BFLTaskView[];
}

interface Task extends BFLTaskView {
  outcome: BFLTaskOutcome;
  pendingPolls: number;
  submit: BFLSubmit;
  startTime: number;
  seed: number;
}

const DEFAULT_API_KEY = 'bfl-test-simulator';
const DELIVERY_PREFIX = '/delivery/';
const TERMINAL: readonly BFLTaskStatus[] = [
  'Ready',
  'Error',
  'Request Moderated',
  'Content Moderated',
  'Task not found',
];

function checkAuth(request: RecordedRequest, options: BFLSimulatorOptions, required: boolean): void {
  const presented = request.headers['x-key'];
  if (presented === undefined && !required) return;
  if (!presented) throw new BFLApiError(401, 'Not authenticated');
  if (presented !== (options.apiKey ?? DEFAULT_API_KEY)) {
    throw new BFLApiError(401, options.echoKeyInErrors ? `Invalid API key: ${presented}` : 'Invalid API key');
  }
}

function megapixels(width: number, height: number): number {
  return Math.round((width * height) / 10_000) / 100;
}

function azureError(status: number, code: string, detail: string): SimulatorReply {
  const body =
    `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>` +
    `Server failed to authenticate the request.\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}</Message>` +
    `<AuthenticationErrorDetail>${detail}</AuthenticationErrorDetail></Error>`;
  return { status, headers: { 'content-type': 'application/xml' }, body };
}

/**
 * Starts the BFL simulator. Point a client at `sim.url` (the API base, without `/v1`).
 *
 * @example
 * ```ts
 * const sim = await startBFLSimulator({ apiKey: 'bfl-test' });
 * const submit = await fetch(`${sim.url}/v1/flux-kontext-pro`, {
 *   method: 'POST',
 *   headers: { 'x-key': 'bfl-test', 'content-type': 'application/json' },
 *   body: JSON.stringify({ prompt: 'Make it red', input_image: createPng(64, 64).toString('base64') }),
 * });
 * const { polling_url } = await submit.json();
 * // Poll polling_url (with x-key) until status is "Ready", then download result.sample.
 * await sim.close();
 * ```
 */
export async function startBFLSimulator(options: BFLSimulatorOptions = {}): Promise<BFLSimulator> {
  const secret = randomBytes(16).toString('hex');
  const tasks = new Map<string, Task>();
  const outcomes: BFLTaskOutcome[] = [];
  const files = new Map<string, { bytes: Uint8Array; contentType: string }>();
  const limits = options.activeTaskLimits ?? BFL_ACTIVE_TASK_LIMITS;
  const ttl = options.resultTtlMs ?? BFL_RESULT_TTL_MS;

  const sign = (path: string, expiry: string) =>
    createHmac('sha256', secret).update(`${path}|${expiry}`).digest('hex');

  function active(endpoint?: string): number {
    let count = 0;
    for (const task of tasks.values()) {
      if (!TERMINAL.includes(task.status) && (endpoint === undefined || task.endpoint === endpoint)) count++;
    }
    return count;
  }

  function checkActiveLimit(endpoint: string): void {
    const limit = endpoint === 'flux-kontext-max' ? limits['flux-kontext-max'] : limits.default;
    const count = endpoint === 'flux-kontext-max' ? active(endpoint) : active();
    if (count >= limit) {
      throw new BFLApiError(
        429,
        `You have reached the limit of ${limit} active tasks${endpoint === 'flux-kontext-max' ? ` for ${endpoint}` : ''}. Wait for running tasks to finish.`,
      );
    }
  }

  function submit(request: RecordedRequest, endpoint: string, base: string): SimulatorReply {
    checkAuth(request, options, true);
    if (request.parseError || request.json === undefined) {
      throw new BFLApiError(422, [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error' }]);
    }
    const validated = validateBFLSubmit(endpoint, request.json);
    checkActiveLimit(endpoint);
    const rendered = renderBFLResult(validated);
    const id = randomUUID();
    const outcome = outcomes.shift() ?? { status: 'Ready' };
    const body = validated.body;
    const task: Task = {
      id,
      endpoint,
      status: 'Pending',
      polls: 0,
      outcome,
      pendingPolls: outcome.pendingPolls ?? options.pendingPolls ?? 2,
      submit: validated,
      startTime: Date.now() / 1000,
      seed: typeof body.seed === 'number' ? body.seed : 42,
    };
    tasks.set(id, task);
    const extension =
      rendered.mediaType.split('/')[1] === 'jpeg' ? 'jpeg' : (rendered.mediaType.split('/')[1] ?? 'png');
    files.set(id, { bytes: rendered.bytes, contentType: rendered.mediaType });
    task.sampleUrl = `${DELIVERY_PREFIX}${id}/sample.${extension}`;

    const inputMp = validated.images.reduce(
      (sum, image) => sum + (image.info ? megapixels(image.info.width, image.info.height) : 0),
      0,
    );
    const outputMp = megapixels(rendered.width, rendered.height);
    const price = BFL_CREDITS[endpoint] ?? { first: 0, extra: 0 };
    const cost = price.first + price.extra * (Math.max(0, outputMp - 1) + inputMp);
    const costFields =
      options.reportCost === false
        ? {}
        : {
            cost: Math.round(cost * 100) / 100,
            input_mp: Math.round(inputMp * 100) / 100,
            output_mp: outputMp,
          };
    if (typeof body.webhook_url === 'string') {
      // The webhook variant acknowledges without a polling URL; the task can still be read by id.
      return { status: 200, json: { id, status: 'Pending', webhook_url: body.webhook_url, ...costFields } };
    }
    const pollingBase = options.pollingBaseUrl ?? base;
    const pollingPath = options.pollingPath ?? '/v1/get_result';
    return { status: 200, json: { id, polling_url: `${pollingBase}${pollingPath}?id=${id}`, ...costFields } };
  }

  function poll(request: RecordedRequest): SimulatorReply {
    checkAuth(request, options, false);
    const id = request.query.get('id');
    if (!id) {
      throw new BFLApiError(422, [{ type: 'missing', loc: ['query', 'id'], msg: 'Field required' }]);
    }
    const task = tasks.get(id);
    if (!task || task.outcome.status === 'Task not found') {
      if (task) task.status = 'Task not found';
      return { status: 200, json: { id, status: 'Task not found', result: null } };
    }
    task.polls++;
    if (task.status === 'Pending' && (task.outcome.status === 'Pending' || task.polls <= task.pendingPolls)) {
      const progress = task.outcome.status === 'Pending' ? 0.5 : task.polls / (task.pendingPolls + 1);
      return {
        status: 200,
        json: { id, status: 'Pending', result: null, progress: Math.round(progress * 100) / 100 },
      };
    }
    task.status = task.outcome.status;
    if (task.status !== 'Ready') {
      const details =
        task.outcome.details ??
        (task.status === 'Error'
          ? { error: 'Generation failed' }
          : {
              'Moderation Reasons': [
                task.status === 'Request Moderated' ? 'Derivative Works Filter' : 'NSFW',
              ],
            });
      return { status: 200, json: { id, status: task.status, result: null, details } };
    }
    return { status: 200, json: { id, status: 'Ready', result: readyResult(task), progress: null } };
  }

  function readyResult(task: Task): Record<string, unknown> {
    const path = task.sampleUrl as string;
    // Signed like an Azure SAS URL: expiry (`se`) and a signature over path + expiry.
    const expiry = new Date(Date.now() + ttl).toISOString();
    const base = options.resultBaseUrl ?? simulator.url;
    const sample = `${base}${path}?se=${encodeURIComponent(expiry)}&sp=r&sig=${sign(path, expiry)}`;
    const prompt = task.submit.body.prompt;
    return {
      sample,
      prompt: typeof prompt === 'string' ? prompt : '',
      seed: task.seed,
      start_time: task.startTime,
      end_time: Date.now() / 1000,
      duration: Math.round((Date.now() / 1000 - task.startTime) * 1000) / 1000,
    };
  }

  function deliver(request: RecordedRequest): SimulatorReply {
    const id = request.path.slice(DELIVERY_PREFIX.length).split('/')[0] ?? '';
    const file = files.get(id);
    const expiry = request.query.get('se') ?? '';
    if (!file) return azureError(404, 'BlobNotFound', 'The specified blob does not exist.');
    if (request.query.get('sig') !== sign(request.path, expiry)) {
      return azureError(403, 'AuthenticationFailed', 'Signature did not match.');
    }
    if (!(Date.parse(expiry) > Date.now())) {
      return azureError(
        403,
        'AuthenticationFailed',
        `Signed expiry time [${expiry}] has to be after current time`,
      );
    }
    return { status: 200, headers: { 'content-type': file.contentType }, body: file.bytes };
  }

  function route(request: RecordedRequest, base: string): SimulatorReply {
    if (request.path.startsWith(DELIVERY_PREFIX) && request.method === 'GET') return deliver(request);
    if (request.path.endsWith('/v1/get_result')) {
      if (request.method !== 'GET') throw new BFLApiError(405, 'Method Not Allowed');
      return poll(request);
    }
    const match = /^\/v1\/([\w.-]+)$/.exec(request.path);
    if (match && BFL_EDIT_ENDPOINTS[match[1] as string]) {
      if (request.method !== 'POST') throw new BFLApiError(405, 'Method Not Allowed');
      return submit(request, match[1] as string, base);
    }
    throw new BFLApiError(404, 'Not Found');
  }

  const base = await startSimulator({
    name: 'black_forest_labs',
    errorBody: (_status, message) => ({ detail: message }),
    handle(request, context) {
      try {
        return route(request, context.url);
      } catch (error) {
        if (!(error instanceof BFLApiError)) throw error;
        return { status: error.status, headers: error.headers, json: { detail: error.detail } };
      }
    },
  });
  const simulator: BFLSimulator = {
    ...base,
    lastRequest: () => base.lastRequest(),
    injectFault: (fault, faultOptions) => base.injectFault(fault, faultOptions),
    clearFaults: () => base.clearFaults(),
    close: () => base.close(),
    reset() {
      base.reset();
      tasks.clear();
      outcomes.length = 0;
    },
    queueOutcome(outcome, times = 1) {
      for (let index = 0; index < times; index++) outcomes.push(outcome);
    },
    tasks: () =>
      [...tasks.values()].map(({ id, endpoint, status, polls, sampleUrl }) => ({
        id,
        endpoint,
        status,
        polls,
        sampleUrl,
      })),
  };
  return simulator;
}
