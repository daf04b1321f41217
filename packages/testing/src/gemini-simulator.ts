/**
 * A faithful, deterministic simulator of the Gemini API's `POST /v1beta/models/{model}:generateContent`
 * for the image models: `x-goog-api-key` auth (a bad key is a 400 `API_KEY_INVALID`, a missing one
 * a 403, as upstream), proto-JSON validation, real edited PNGs, `usageMetadata`, Google's error
 * envelope, and queued outcomes (blocked prompt, `IMAGE_SAFETY`, text-only answers, …).
 * @module
 */
import { errorInfo, GoogleApiError, googleErrorBody, googleErrorReply } from './google-api-errors.js';
import { type GoogleImageOutcome, geminiAnswer } from './gemini-output.js';
import { GEMINI_SIM_MODELS, type GeminiSimModel } from './gemini-spec.js';
import { validateGenerateContent } from './gemini-validate.js';
import type { RecordedRequest } from './recorded-request.js';
import { type Simulator, type SimulatorReply, startSimulator } from './simulator.js';

/** Settings of {@link startGeminiSimulator}. */
export interface GeminiSimulatorOptions {
  /** The one key accepted in `x-goog-api-key` (or `?key=`). Defaults to `gemini-sim-key`. */
  apiKey?: string;
  /** Prompts containing any of these (case-insensitive) are blocked (`blockReason: SAFETY`). Defaults to `['[sim:block]']`. */
  blockedWords?: readonly string[];
  /** Models besides (or replacing) the built-in catalogue. */
  models?: Record<string, GeminiSimModel>;
}

/** The Gemini simulator: the base simulator plus queued outcomes. */
export interface GeminiSimulator extends Simulator {
  /** The next `times` `generateContent` calls end in `outcome`. */
  queueOutcome(outcome: GoogleImageOutcome, times?: number): void;
}

/** Route of `generateContent` (and of methods the simulator does not serve). */
const ROUTE = /^\/(v1beta|v1alpha|v1)\/models\/([^/:]+):([A-Za-z]+)$/;
const SERVICE = 'generativelanguage.googleapis.com';

function checkAuth(request: RecordedRequest, apiKey: string): void {
  const presented = request.headers['x-goog-api-key'] || request.query.get('key') || undefined;
  if (!presented) {
    throw new GoogleApiError(
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
  }
  if (presented !== apiKey) {
    throw new GoogleApiError(400, 'API key not valid. Please pass a valid API key.', [
      errorInfo('API_KEY_INVALID', SERVICE),
      {
        '@type': 'type.googleapis.com/google.rpc.LocalizedMessage',
        locale: 'en-US',
        message: 'API key not valid. Please pass a valid API key.',
      },
    ]);
  }
}

/**
 * Starts the Gemini API simulator. Point a client at `sim.url` (it serves `/v1beta/...`).
 *
 * @example
 * ```ts
 * const sim = await startGeminiSimulator({ apiKey: 'test-key' });
 * const response = await fetch(`${sim.url}/v1beta/models/gemini-2.5-flash-image:generateContent`, {
 *   method: 'POST',
 *   headers: { 'x-goog-api-key': 'test-key', 'content-type': 'application/json' },
 *   body: JSON.stringify({
 *     contents: [{ parts: [{ text: 'Invert it' }, { inlineData: { mimeType: 'image/png', data: createPng(8, 8).toString('base64') } }] }],
 *   }),
 * });
 * (await response.json()).candidates[0].content.parts; // text + inlineData
 * await sim.close();
 * ```
 */
export async function startGeminiSimulator(options: GeminiSimulatorOptions = {}): Promise<GeminiSimulator> {
  const apiKey = options.apiKey ?? 'gemini-sim-key';
  const models = { ...GEMINI_SIM_MODELS, ...options.models };
  const blockedWords = (options.blockedWords ?? ['[sim:block]']).map((word) => word.toLowerCase());
  const outcomes: GoogleImageOutcome[] = [];

  function handle(request: RecordedRequest): SimulatorReply {
    checkAuth(request, apiKey);
    const route = ROUTE.exec(request.path);
    if (!route || request.method !== 'POST') {
      throw new GoogleApiError(404, `The requested URL ${request.path} was not found on this server.`);
    }
    const [, version, model = '', method] = route;
    const spec = models[model];
    if (!spec || method !== 'generateContent' || version === 'v1') {
      throw new GoogleApiError(
        404,
        `models/${model} is not found for API version ${version}, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
      );
    }
    const edit = validateGenerateContent(request, model, spec, 'gemini');
    const blocked = blockedWords.some((word) => edit.prompt.toLowerCase().includes(word));
    const outcome = blocked ? 'blocked-prompt' : outcomes.shift();
    return { status: 200, json: geminiAnswer(edit, outcome) };
  }

  const base = await startSimulator({
    name: 'gemini',
    errorBody: (status, message) => googleErrorBody(status, message),
    responseHeaders: () => ({ server: 'scaffolding on HTTPServer2', vary: 'Origin, X-Origin, Referer' }),
    handle(request) {
      try {
        return handle(request);
      } catch (error) {
        return googleErrorReply(error);
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
      outcomes.length = 0;
    },
    queueOutcome(outcome, times = 1) {
      for (let index = 0; index < times; index++) outcomes.push(outcome);
    },
  };
}
