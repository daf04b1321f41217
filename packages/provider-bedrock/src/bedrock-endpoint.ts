/**
 * Where an `InvokeModel` call goes: the region (from the model's ARN, the settings, the standard AWS
 * environment variables, or the US profile's home region), the endpoint (`bedrock-runtime.{region}`
 * unless overridden), and the URI path with the model id percent-encoded as AWS's SDKs encode it
 * (`:` → `%3A`, `/` → `%2F`).
 * @module
 */
import { BadRequestError, loadSetting } from '@retouch/core';
import type { ResolvedBedrockModel } from './bedrock-models.js';

/** Environment variables read for the region, in order. */
export const REGION_ENV_VARS = ['AWS_REGION', 'AWS_REGION_NAME', 'AWS_DEFAULT_REGION'] as const;
/** Environment variables read for an endpoint override, in order. */
export const ENDPOINT_ENV_VARS = ['AWS_ENDPOINT_URL_BEDROCK_RUNTIME', 'AWS_ENDPOINT_URL'] as const;
/** Where a `us.` cross-region profile is called when no region is configured. */
const PROFILE_HOME_REGIONS: Record<string, string> = { us: 'us-east-1' };

/**
 * The region to call and sign for. An ARN's region wins (the resource lives there); then the
 * `region` setting; then `AWS_REGION`, `AWS_REGION_NAME`, `AWS_DEFAULT_REGION`; then `us-east-1` for
 * `us.` profiles. A `us.` profile with a region outside the US is refused before any call.
 *
 * @example
 * ```ts
 * resolveRegion(resolveBedrockModel('us.stability.stable-image-inpaint-v1:0')!, undefined); // 'us-east-1' (no env)
 * ```
 */
export function resolveRegion(model: ResolvedBedrockModel, configured: string | undefined): string {
  const region =
    model.arnRegion ??
    loadSetting(configured, REGION_ENV_VARS) ??
    (model.profileGeo ? PROFILE_HOME_REGIONS[model.profileGeo] : undefined);
  const ref = { provider: 'bedrock', model: model.modelId };
  if (!region) {
    throw new BadRequestError({
      message: `bedrock: no AWS region for ${model.modelId}. Set AWS_REGION (or AWS_REGION_NAME), pass region (aws_region_name in config.yaml), or use the us. inference profile id.`,
      code: 'missing_region',
      ...ref,
    });
  }
  if (model.profileGeo && !region.startsWith(`${model.profileGeo}-`)) {
    throw new BadRequestError({
      message: `model: ${model.modelId} is a ${model.profileGeo.toUpperCase()} cross-region inference profile; call it from a ${model.profileGeo}- region (e.g. ${PROFILE_HOME_REGIONS[model.profileGeo]}), not ${region}.`,
      param: 'model',
      ...ref,
    });
  }
  return region;
}

/**
 * The Bedrock Runtime base URL: the `baseURL` setting, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`,
 * `AWS_ENDPOINT_URL`, else `https://bedrock-runtime.{region}.amazonaws.com` (`.com.cn` in China).
 *
 * @example
 * ```ts
 * bedrockBaseURL(undefined, 'us-west-2'); // 'https://bedrock-runtime.us-west-2.amazonaws.com' (no env)
 * ```
 */
export function bedrockBaseURL(configured: string | undefined, region: string): string {
  const override = loadSetting(configured, ENDPOINT_ENV_VARS);
  if (override) return override.replace(/\/+$/, '');
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://bedrock-runtime.${region}.${suffix}`;
}

/**
 * `InvokeModel`'s path for a model id, the id encoded as a URI label exactly as AWS's SDKs encode it
 * (RFC 3986: `encodeURIComponent` plus `!'()*`). The signer encodes this path once more for the
 * canonical request (`%3A` → `%253A`), as SigV4 requires for every service but S3.
 *
 * @example
 * ```ts
 * invokePath('us.stability.stable-image-inpaint-v1:0'); // '/model/us.stability.stable-image-inpaint-v1%3A0/invoke'
 * ```
 */
export function invokePath(modelId: string): string {
  const label = encodeURIComponent(modelId).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `/model/${label}/invoke`;
}
