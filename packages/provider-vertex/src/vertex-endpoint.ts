/**
 * Vertex AI endpoints: the host for a location (`{location}-aiplatform.googleapis.com`,
 * `aiplatform.googleapis.com` for `global`, `aiplatform.{us|eu}.rep.googleapis.com` for the
 * multi-regions) and the model path `v1/projects/{project}/locations/{location}/publishers/google/models/{model}:{method}`.
 * @module
 */
import { BadRequestError } from '@retouch/core';

/** The multi-region locations, served from regional-endpoint (`rep`) hosts. */
const MULTI_REGIONS = new Set(['us', 'eu']);

/**
 * The API host of a location.
 *
 * @example
 * ```ts
 * vertexHost('us-central1'); // 'https://us-central1-aiplatform.googleapis.com'
 * vertexHost('global'); // 'https://aiplatform.googleapis.com'
 * vertexHost('eu'); // 'https://aiplatform.eu.rep.googleapis.com'
 * ```
 */
export function vertexHost(location: string): string {
  if (location === 'global') return 'https://aiplatform.googleapis.com';
  if (MULTI_REGIONS.has(location)) return `https://aiplatform.${location}.rep.googleapis.com`;
  return `https://${location}-aiplatform.googleapis.com`;
}

/**
 * Checks a location name before it becomes part of a host name.
 *
 * @example
 * ```ts
 * checkVertexLocation('europe-west4'); // ok
 * checkVertexLocation('evil.example/'); // throws BadRequestError (param vertex_location)
 * ```
 */
export function checkVertexLocation(location: string, ref: { provider: string; model: string }): void {
  if (location === 'global' || MULTI_REGIONS.has(location) || /^[a-z]+-[a-z]+\d+$/.test(location)) return;
  throw new BadRequestError({
    message: `vertex_location: "${location}" is not a Vertex AI location (e.g. us-central1, europe-west4, global, us, eu).`,
    param: 'vertex_location',
    code: 'invalid_value',
    ...ref,
  });
}

/**
 * The versioned base: `base` as is when it already ends in an API version, else `base/{apiVersion}`.
 *
 * @example
 * ```ts
 * vertexVersionedBase('https://us-central1-aiplatform.googleapis.com', 'v1'); // '…googleapis.com/v1'
 * ```
 */
export function vertexVersionedBase(base: string, apiVersion: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return /\/v\d+(?:alpha|beta)?\d*$/.test(trimmed) ? trimmed : `${trimmed}/${apiVersion}`;
}

/**
 * A publisher model's method path, relative to the versioned base.
 *
 * @example
 * ```ts
 * vertexModelPath({ project: 'p', location: 'us-central1', model: 'imagen-3.0-capability-001', method: 'predict' });
 * // '/projects/p/locations/us-central1/publishers/google/models/imagen-3.0-capability-001:predict'
 * ```
 */
export function vertexModelPath(args: {
  project: string;
  location: string;
  model: string;
  method: 'generateContent' | 'predict';
}): string {
  const project = encodeURIComponent(args.project);
  const model = encodeURIComponent(args.model);
  return `/projects/${project}/locations/${args.location}/publishers/google/models/${model}:${args.method}`;
}
