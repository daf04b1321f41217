/**
 * A faithful, deterministic simulator of Vertex AI's publisher-model endpoints for image editing:
 * `POST /v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent`
 * (Gemini image models, same validation and answers as the Gemini API plus Vertex's own
 * `imageConfig` fields and required roles) and `…/imagen-3.0-capability-001:predict` (Imagen 3
 * editing), with OAuth bearer auth, a project check, the "no Imagen on `global`" rule, Google's
 * error envelope, queued outcomes, and a minimal OAuth token endpoint (`POST /token`) for the
 * service-account JWT flow.
 * @module
 */
import { errorInfo, GoogleApiError, googleErrorBody, googleErrorReply } from './google-api-errors.js';
import { type GoogleImageOutcome, geminiAnswer } from './gemini-output.js';
import { GEMINI_SIM_MODELS } from './gemini-spec.js';
import { validateGenerateContent } from './gemini-validate.js';
import { IMAGEN_BLOCKED_PROMPT_MESSAGE, imagenAnswer } from './imagen-output.js';
import { validateImagenEdit } from './imagen-validate.js';
import type { RecordedRequest } from './recorded-request.js';
import { type Simulator, type SimulatorReply, startSimulator } from './simulator.js';
import { answerTokenRequest, type SimulatedServiceAccount, VERTEX_TOKEN_PATH } from './vertex-oauth.js';

/** Settings of {@link startVertexSimulator}. */
export interface VertexSimulatorOptions {
  /** An access token accepted as `Authorization: Bearer …` (besides those `/token` issues). Defaults to `ya29.sim-vertex-token`. */
  accessToken?: string;
  /** The only project the credentials may use. Defaults to `sim-project`. */
  project?: string;
  /** The service account whose signed JWTs `POST /token` exchanges for access tokens. */
  serviceAccount?: SimulatedServiceAccount;
  /** Prompts containing any of these (case-insensitive) are refused by the safety filters. Defaults to `['[sim:block]']`. */
  blockedWords?: readonly string[];
}

/** The Vertex simulator: the base simulator plus queued outcomes and the token endpoint. */
export interface VertexSimulator extends Simulator {
  /** The next `times` model calls end in `outcome`. */
  queueOutcome(outcome: GoogleImageOutcome, times?: number): void;
  /** URL of the OAuth token endpoint (`token_uri` for a service-account key file). */
  readonly tokenUri: string;
  /** Access tokens `POST /token` has issued. */
  readonly issuedTokens: ReadonlySet<string>;
}

/** The Imagen models the simulator edits with. */
export const VERTEX_IMAGEN_SIM_MODELS: readonly string[] = ['imagen-3.0-capability-001'];

const ROUTE =
  /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):([A-Za-z]+)$/;
const SERVICE = 'aiplatform.googleapis.com';
const AUTH_HELP =
  'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

function checkAuth(request: RecordedRequest, accepted: (token: string) => boolean): void {
  const token = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
  if (!token) {
    throw new GoogleApiError(401, `Request is missing required authentication credential. ${AUTH_HELP}`, [
      errorInfo('CREDENTIALS_MISSING', SERVICE),
    ]);
  }
  if (!accepted(token)) {
    throw new GoogleApiError(401, `Request had invalid authentication credentials. ${AUTH_HELP}`, [
      errorInfo('ACCESS_TOKEN_TYPE_UNSUPPORTED', SERVICE),
    ]);
  }
}

function isLocation(location: string): boolean {
  return (
    location === 'global' || location === 'us' || location === 'eu' || /^[a-z]+-[a-z]+\d+$/.test(location)
  );
}

/**
 * Starts the Vertex AI simulator. Point a client's base URL at `sim.url`.
 *
 * @example
 * ```ts
 * const sim = await startVertexSimulator({ accessToken: 'ya29.test', project: 'my-project' });
 * const url = `${sim.url}/v1/projects/my-project/locations/us-central1/publishers/google/models/imagen-3.0-capability-001:predict`;
 * const response = await fetch(url, {
 *   method: 'POST',
 *   headers: { authorization: 'Bearer ya29.test', 'content-type': 'application/json' },
 *   body: JSON.stringify({
 *     instances: [{ prompt: 'A vase', referenceImages: [{ referenceType: 'REFERENCE_TYPE_RAW', referenceId: 1, referenceImage: { bytesBase64Encoded: createPng(8, 8).toString('base64') } }] }],
 *     parameters: { sampleCount: 1 },
 *   }),
 * });
 * (await response.json()).predictions[0].bytesBase64Encoded; // an edited PNG
 * await sim.close();
 * ```
 */
export async function startVertexSimulator(options: VertexSimulatorOptions = {}): Promise<VertexSimulator> {
  const accessToken = options.accessToken ?? 'ya29.sim-vertex-token';
  const project = options.project ?? 'sim-project';
  const blockedWords = (options.blockedWords ?? ['[sim:block]']).map((word) => word.toLowerCase());
  const issuedTokens = new Set<string>();
  const outcomes: GoogleImageOutcome[] = [];
  let tokenUri = '';

  function handleModel(request: RecordedRequest): SimulatorReply {
    checkAuth(request, (token) => token === accessToken || issuedTokens.has(token));
    const route = ROUTE.exec(request.path);
    if (!route || request.method !== 'POST') {
      throw new GoogleApiError(404, `The requested URL ${request.path} was not found on this server.`);
    }
    const [, , projectPart = '', locationPart = '', modelPart = '', method] = route;
    const [pathProject, location, model] = [projectPart, locationPart, modelPart].map(decodeURIComponent) as [
      string,
      string,
      string,
    ];
    const resource = `projects/${pathProject}/locations/${location}/publishers/google/models/${model}`;
    if (pathProject !== project) {
      throw new GoogleApiError(
        403,
        `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/${resource}' (or it may not exist).`,
        [errorInfo('IAM_PERMISSION_DENIED', SERVICE)],
      );
    }
    if (!isLocation(location)) throw new GoogleApiError(400, `Location ${location} is not supported.`);
    const isImagen = VERTEX_IMAGEN_SIM_MODELS.includes(model);
    const gemini = GEMINI_SIM_MODELS[model];
    // Imagen is regional only: on `global` the model does not exist.
    if ((!isImagen && !gemini?.onVertex) || (isImagen && location === 'global')) {
      throw new GoogleApiError(404, `Publisher Model \`${resource}\` not found.`);
    }
    if (isImagen) {
      if (method !== 'predict')
        throw new GoogleApiError(400, `Model ${model} does not support ${method}; use predict.`);
      const edit = validateImagenEdit(request, model);
      const outcome = outcomes.shift();
      const blocked = blockedWords.some((word) => edit.prompt.toLowerCase().includes(word));
      if (blocked || outcome === 'blocked-prompt')
        throw new GoogleApiError(400, IMAGEN_BLOCKED_PROMPT_MESSAGE);
      return { status: 200, json: imagenAnswer(edit, outcome) };
    }
    if (method !== 'generateContent') {
      throw new GoogleApiError(
        400,
        'Gemini cannot be accessed through Vertex Predict/RawPredict API. Please follow https://cloud.google.com/vertex-ai/docs/generative-ai/start/quickstarts/quickstart-multimodal for Gemini usage.',
        undefined,
        'FAILED_PRECONDITION',
      );
    }
    const edit = validateGenerateContent(request, model, gemini as NonNullable<typeof gemini>, 'vertex');
    const outcome = outcomes.shift();
    const blocked = blockedWords.some((word) => edit.prompt.toLowerCase().includes(word));
    return { status: 200, json: geminiAnswer(edit, blocked ? 'blocked-prompt' : outcome) };
  }

  const base = await startSimulator({
    name: 'vertex_ai',
    errorBody: (status, message) => googleErrorBody(status, message),
    responseHeaders: () => ({ server: 'scaffolding on HTTPServer2', vary: 'Origin, X-Origin, Referer' }),
    handle(request) {
      if (request.path === VERTEX_TOKEN_PATH) {
        return answerTokenRequest(request, options.serviceAccount, tokenUri, (token) =>
          issuedTokens.add(token),
        );
      }
      try {
        return handleModel(request);
      } catch (error) {
        return googleErrorReply(error);
      }
    },
  });
  tokenUri = `${base.url}${VERTEX_TOKEN_PATH}`;
  return {
    ...base,
    tokenUri,
    issuedTokens,
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
