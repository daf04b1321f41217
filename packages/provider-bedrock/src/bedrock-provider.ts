/**
 * `createBedrock(settings)` and the default `bedrock` provider.
 * @module
 */
import {
  createProviderHttp,
  type ImageEditProvider,
  NotFoundError,
  type ProviderConfig,
  type ProviderPackage,
  withProviderTimeout,
} from '@retouch/core';
import { BEDROCK_MODELS, bedrockCapabilities } from './bedrock-capabilities.js';
import { BEDROCK_CATALOGUE, bedrockCatalogue } from './bedrock-catalogue.js';
import {
  type AwsCredentialProvider,
  type AwsCredentials,
  type BedrockAuth,
  authSecrets,
  createAuthResolver,
} from './bedrock-credentials.js';
import { bedrockBaseURL, resolveRegion } from './bedrock-endpoint.js';
import { classifyBedrockError, parseBedrockError } from './bedrock-errors.js';
import { bedrockImageEdit } from './bedrock-image-edit.js';
import { resolveBedrockModel } from './bedrock-models.js';
import { authenticatingFetch } from './bedrock-sign.js';

/** Settings of {@link createBedrock}. */
export interface BedrockProviderSettings {
  /**
   * AWS region to call and sign for. Defaults to the model ARN's region, then `AWS_REGION`,
   * `AWS_REGION_NAME`, `AWS_DEFAULT_REGION`, then `us-east-1` for `us.` inference profiles.
   */
  region?: string;
  /** A Bedrock API key, sent as `Authorization: Bearer`. Defaults to `AWS_BEARER_TOKEN_BEDROCK` (after explicit AWS credentials). */
  apiKey?: string;
  /** AWS access key id. Defaults to `AWS_ACCESS_KEY_ID`. */
  accessKeyId?: string;
  /** AWS secret access key. Defaults to `AWS_SECRET_ACCESS_KEY`. */
  secretAccessKey?: string;
  /** Session token of temporary credentials. Defaults to `AWS_SESSION_TOKEN`. */
  sessionToken?: string;
  /** Credentials, or a function returning fresh ones per call (e.g. `fromIni()` of `@aws-sdk/credential-providers`). No default. */
  credentials?: AwsCredentials | AwsCredentialProvider;
  /** A named profile, read through `@aws-sdk/credential-providers` (must be installed). Defaults to the SDK chain's own choice (`AWS_PROFILE`). */
  profile?: string;
  /** Bedrock Runtime endpoint. Defaults to `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, `AWS_ENDPOINT_URL`, then `https://bedrock-runtime.{region}.amazonaws.com`. */
  baseURL?: string;
  /** Headers sent (and signed) with every request, e.g. `X-Amzn-Bedrock-Trace`. */
  headers?: Record<string, string>;
  /** Custom fetch (tests, corporate proxies). Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Deadline of each call in milliseconds, unless the request sets `timeout`. No default. */
  timeout?: number;
  /** Calls in flight at once for `n` > 1 (one image per call). Defaults to 4. */
  maxConcurrency?: number;
  /**
   * Model ids this package cannot read the service from (application inference profile or
   * provisioned throughput ARNs), mapped to the base model they run, e.g.
   * `{ 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc': 'stability.stable-image-inpaint-v1:0' }`.
   */
  models?: Record<string, string>;
}

/**
 * Creates an AWS Bedrock provider for the Stability AI Image Services, signed with SigV4 (or a
 * Bedrock API key).
 *
 * @example
 * ```ts
 * import { imageEdit } from '@retouch/core';
 * import { createBedrock } from '@retouch/provider-bedrock';
 *
 * const bedrock = createBedrock({ region: 'us-east-1' }); // credentials from the environment
 * const response = await imageEdit(
 *   { model: 'bedrock/us.stability.stable-image-inpaint-v1:0', image: png, mask, prompt: 'a red armchair' },
 *   { provider: bedrock },
 * );
 * ```
 */
export function createBedrock(settings: BedrockProviderSettings = {}): ImageEditProvider {
  const aliases = settings.models ?? {};
  const resolveAuth = createAuthResolver(settings);
  const resolve = (model: string) => resolveBedrockModel(model, aliases);

  return {
    id: 'bedrock',
    catalogue: bedrockCatalogue(aliases),
    capabilities: (model) => {
      const resolved = resolve(model);
      return resolved && bedrockCapabilities(resolved.spec);
    },
    models: () => [...Object.keys(BEDROCK_MODELS), ...Object.keys(aliases)],
    async imageEdit(request, options) {
      const model = resolve(request.model);
      if (!model) {
        throw new NotFoundError({
          message: `model: bedrock has no Stability model "${request.model}"`,
          param: 'model',
          provider: 'bedrock',
          model: request.model,
        });
      }
      const region = resolveRegion(model, settings.region);
      const auth: BedrockAuth = await resolveAuth();
      const secrets = () => authSecrets(auth);
      const http = createProviderHttp({
        provider: 'bedrock',
        baseURL: bedrockBaseURL(settings.baseURL, region),
        fetch: authenticatingFetch(auth, region, settings.fetch),
        headers: () => ({ accept: 'application/json', ...settings.headers }),
        secrets,
        parseError: parseBedrockError,
        classifyError: (failure, ref) => classifyBedrockError(failure, ref, secrets()),
        requestIdHeader: 'x-amzn-requestid',
      });
      return withProviderTimeout(options, settings.timeout, (options) =>
        bedrockImageEdit(http, request, options, model, settings.maxConcurrency ?? 4),
      );
    },
  };
}

/**
 * The default Bedrock provider, configured from the environment.
 *
 * @example
 * ```ts
 * await imageEdit({ model: 'bedrock/us.stability.stable-image-erase-object-v1:0', image: png, mask }, { provider: bedrock });
 * ```
 */
export const bedrock: ImageEditProvider = createBedrock();

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Lets `@retouch/core` and the router build this provider from LiteLLM-style deployment settings:
 * `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`, `aws_region_name`,
 * `aws_profile_name`, `aws_bedrock_runtime_endpoint` (or `api_base`), `api_key` (a Bedrock API key),
 * `extra_headers`. Deployment timeouts are the router's.
 */
export const providerPackage: ProviderPackage = {
  prefix: 'bedrock',
  catalogue: BEDROCK_CATALOGUE,
  settings: [
    'api_key',
    'aws_access_key_id',
    'aws_secret_access_key',
    'aws_session_token',
    'aws_region_name',
    'aws_profile_name',
    'aws_bedrock_runtime_endpoint',
    'api_base',
    'extra_headers',
  ],
  create: (config: ProviderConfig = {}) =>
    createBedrock({
      apiKey: config.api_key,
      accessKeyId: text(config.aws_access_key_id),
      secretAccessKey: text(config.aws_secret_access_key),
      sessionToken: text(config.aws_session_token),
      region: text(config.aws_region_name),
      profile: text(config.aws_profile_name),
      baseURL: text(config.aws_bedrock_runtime_endpoint) ?? config.api_base,
      headers: config.extra_headers,
    }),
};
