/**
 * A faithful, deterministic simulator of OpenAI's `POST /v1/images/edits`: bearer auth, multipart
 * and JSON bodies validated like the real API, real edited PNGs, `ImagesResponse` with echo fields
 * and usage, dall-e-2 result URLs served by the simulator itself, SSE streaming, and every fault of
 * the base simulator.
 * @module
 */
import { OpenAIApiError, openAIErrorBody } from './openai-errors.js';
import {
  openAIEcho,
  openAIUsage,
  type RenderedImage,
  renderOpenAIEdit,
  renderOpenAIPartial,
} from './openai-output.js';
import { readOpenAIEdit } from './openai-request.js';
import { isDallE2 } from './openai-spec.js';
import { type OpenAIEdit, validateOpenAIEdit } from './openai-validate.js';
import type { RecordedRequest } from './recorded-request.js';
import {
  type Simulator,
  type SimulatorContext,
  type SimulatorEvent,
  type SimulatorReply,
  startSimulator,
} from './simulator.js';

/** Settings of {@link startOpenAISimulator}. */
export interface OpenAISimulatorOptions {
  /** The one key accepted as `Authorization: Bearer <key>`. Defaults to `sk-test-simulator`. */
  apiKey?: string;
  /**
   * Put the full presented key in 401 bodies (the real API masks all but a few characters), to
   * prove that clients redact it.
   */
  echoKeyInErrors?: boolean;
  /** The organization of the key: a different `OpenAI-Organization` header is refused; answers carry it. */
  organization?: string;
  /**
   * Models OpenAI serves that the simulator does not list (a model released after it), each with
   * the listed model whose rules it follows: `{ 'gpt-image-9': 'gpt-image-2.6-sunburst' }`. Defaults to none.
   */
  extraModels?: Readonly<Record<string, string>>;
}

/** The route of the edit endpoint. */
export const OPENAI_EDITS_PATH = '/v1/images/edits';
/** Where dall-e-2 result URLs are served from. */
export const OPENAI_FILES_PATH = '/v1/sim-files';

const DEFAULT_API_KEY = 'sk-test-simulator';

function maskKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

function checkAuth(request: RecordedRequest, options: OpenAISimulatorOptions): void {
  const expected = options.apiKey ?? DEFAULT_API_KEY;
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  const presented = match?.[1]?.trim();
  if (!presented) {
    throw new OpenAIApiError(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      null,
      'invalid_api_key',
    );
  }
  if (presented !== expected) {
    const shown = options.echoKeyInErrors ? presented : maskKey(presented);
    throw new OpenAIApiError(
      401,
      `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      null,
      'invalid_api_key',
    );
  }
  const organization = request.headers['openai-organization'];
  if (options.organization && organization && organization !== options.organization) {
    throw new OpenAIApiError(
      401,
      'OpenAI-Organization header should match organization for API key',
      null,
      'mismatched_organization',
    );
  }
}

/**
 * `stream=true`: partial images, then one completed event per image (`ImageEditStreamEvent`), sent
 * event by event (see `setStreamTiming` and the `stream-cut` / `stream-error` faults).
 */
function streamReply(edit: OpenAIEdit, image: RenderedImage): SimulatorReply {
  const echo = openAIEcho(edit);
  const b64 = image.bytes.toString('base64');
  const createdAt = Math.floor(Date.now() / 1000);
  const common = { b64_json: b64, created_at: createdAt, ...echo };
  const { output_tokens_details: _details, ...usage } = openAIUsage(edit, echo);
  const events: SimulatorEvent[] = [];
  for (let index = 0; index < edit.partialImages; index++) {
    const type = 'image_edit.partial_image';
    const partial = renderOpenAIPartial(image, index, edit.partialImages).bytes.toString('base64');
    events.push({ event: type, data: { type, ...common, b64_json: partial, partial_image_index: index } });
  }
  for (let index = 0; index < edit.n; index++) {
    const type = 'image_edit.completed';
    events.push({ event: type, data: { type, ...common, usage } });
  }
  return { status: 200, events };
}

function editReply(edit: OpenAIEdit, context: SimulatorContext): SimulatorReply {
  const image = renderOpenAIEdit(edit);
  if (edit.stream) return streamReply(edit, image);
  const created = Math.floor(Date.now() / 1000);
  if (isDallE2(edit.model)) {
    // dall-e-2 answers with URLs unless asked for base64, and reports no usage or echo fields.
    const asUrl = (edit.responseFormat ?? 'url') === 'url';
    const data = Array.from({ length: edit.n }, () =>
      asUrl
        ? { url: context.hostFile(image.bytes, image.mediaType, 'png') }
        : { b64_json: image.bytes.toString('base64') },
    );
    return { status: 200, json: { created, data } };
  }
  const echo = openAIEcho(edit);
  const b64 = image.bytes.toString('base64');
  return {
    status: 200,
    json: {
      created,
      data: Array.from({ length: edit.n }, () => ({ b64_json: b64 })),
      ...echo,
      usage: openAIUsage(edit, echo),
    },
  };
}

function route(
  request: RecordedRequest,
  context: SimulatorContext,
  options: OpenAISimulatorOptions,
): SimulatorReply {
  checkAuth(request, options);
  if (request.path !== OPENAI_EDITS_PATH) {
    throw new OpenAIApiError(404, `Invalid URL (${request.method} ${request.path})`, null, null);
  }
  if (request.method !== 'POST') {
    throw new OpenAIApiError(405, `Invalid method for URL (${request.method} ${request.path})`, null, null);
  }
  return editReply(validateOpenAIEdit(readOpenAIEdit(request), options.extraModels), context);
}

/**
 * Starts the OpenAI image-edit simulator. Point a client at `${sim.url}/v1`.
 *
 * @example
 * ```ts
 * const sim = await startOpenAISimulator({ apiKey: 'sk-test' });
 * const form = new FormData();
 * form.append('image', new Blob([createPng(64, 64)], { type: 'image/png' }), 'a.png');
 * form.append('prompt', 'Invert it');
 * form.append('model', 'gpt-image-1');
 * const response = await fetch(`${sim.url}/v1/images/edits`, {
 *   method: 'POST',
 *   headers: { authorization: 'Bearer sk-test' },
 *   body: form,
 * });
 * (await response.json()).data[0].b64_json; // a 64×64 PNG, inverted
 * await sim.close();
 * ```
 */
export function startOpenAISimulator(options: OpenAISimulatorOptions = {}): Promise<Simulator> {
  let requestCount = 0;
  return startSimulator({
    name: 'openai',
    filesPath: OPENAI_FILES_PATH,
    errorBody: (status, message, code) => openAIErrorBody(status, message, code),
    responseHeaders: () => ({
      'x-request-id': `req_sim${String(++requestCount).padStart(29, '0')}`,
      'openai-version': '2020-10-01',
      ...(options.organization ? { 'openai-organization': options.organization } : {}),
    }),
    handle(request, context) {
      try {
        return route(request, context, options);
      } catch (error) {
        if (!(error instanceof OpenAIApiError)) throw error;
        return {
          status: error.status,
          json: openAIErrorBody(error.status, error.message, error.code, error.param),
        };
      }
    },
  });
}
