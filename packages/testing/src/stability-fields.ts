/**
 * Field rules shared by the Stability and Bedrock simulators (Bedrock serves the same Stability
 * models): a rule per request field, checked against multipart text (Stability) or JSON values
 * (Bedrock), and the image limits both APIs state.
 * @module
 */

/** What one request field accepts. */
export type StabilityFieldRule =
  | { type: 'int'; min: number; max: number }
  | { type: 'number'; min: number; max: number }
  | { type: 'string'; min?: number; max: number }
  | { type: 'enum'; values: readonly string[] }
  /** Multipart `"true"` / `"false"` (Stability's `keep_original_background`). */
  | { type: 'boolean-string' };

/** Limits on an input image, as the APIs state them. */
export interface StabilityImageLimits {
  minSide: number;
  maxSide?: number;
  minPixels: number;
  maxPixels: number;
  /** Long side / short side. */
  maxAspectRatio?: number;
}

/** `style_preset` values of every Stability image service. */
export const STABILITY_STYLE_PRESETS: readonly string[] = [
  'enhance',
  'anime',
  'photographic',
  'digital-art',
  'comic-book',
  'fantasy-art',
  'line-art',
  'analog-film',
  'neon-punk',
  'isometric',
  'low-poly',
  'origami',
  'modeling-compound',
  'cinematic',
  '3d-model',
  'pixel-art',
  'tile-texture',
];

/** `aspect_ratio` values of the style (guide) service. */
export const STABILITY_STYLE_ASPECT_RATIOS: readonly string[] = [
  '21:9',
  '16:9',
  '3:2',
  '5:4',
  '1:1',
  '4:5',
  '2:3',
  '9:16',
  '9:21',
];

/** Seeds: 0 (random) to 4294967294. */
export const SEED_RULE: StabilityFieldRule = { type: 'int', min: 0, max: 4294967294 };
/** Prompts: at most 10,000 characters. */
export const PROMPT_RULE: StabilityFieldRule = { type: 'string', min: 1, max: 10000 };
/** Optional prompts (outpaint, style transfer): 0–10,000 characters. */
export const OPTIONAL_PROMPT_RULE: StabilityFieldRule = { type: 'string', min: 0, max: 10000 };
/** `style_preset`. */
export const STYLE_PRESET_RULE: StabilityFieldRule = { type: 'enum', values: STABILITY_STYLE_PRESETS };
/** A 0–1 strength. */
export const UNIT_RULE: StabilityFieldRule = { type: 'number', min: 0, max: 1 };

/** The image limits most services share: sides ≥ 64 px, 4,096–9,437,184 pixels. */
export const DEFAULT_IMAGE_LIMITS: StabilityImageLimits = {
  minSide: 64,
  minPixels: 4096,
  maxPixels: 9437184,
};

/**
 * Checks one value against its rule. `multipart` values arrive as text and are parsed the way the
 * API parses form fields; JSON values must already have the right type. Returns the problem, or
 * `undefined` when the value is fine.
 *
 * @example
 * ```ts
 * checkFieldValue({ type: 'int', min: 0, max: 20 }, '30', true); // 'must be between 0 and 20'
 * ```
 */
export function checkFieldValue(
  rule: StabilityFieldRule,
  value: unknown,
  multipart: boolean,
): string | undefined {
  switch (rule.type) {
    case 'int':
    case 'number': {
      let number: number;
      if (multipart) {
        const text = String(value).trim();
        const pattern = rule.type === 'int' ? /^-?\d+$/ : /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
        if (!pattern.test(text)) return rule.type === 'int' ? 'must be an integer' : 'must be a number';
        number = Number(text);
      } else {
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          return `expected type: ${rule.type === 'int' ? 'Integer' : 'Number'}, found: ${jsonType(value)}`;
        }
        if (rule.type === 'int' && !Number.isInteger(value)) return 'expected type: Integer, found: Number';
        number = value;
      }
      if (number < rule.min || number > rule.max) {
        return multipart ? `must be between ${rule.min} and ${rule.max}` : rangeMessage(rule, number);
      }
      return undefined;
    }
    case 'string': {
      if (typeof value !== 'string') return `expected type: String, found: ${jsonType(value)}`;
      if (value.length > rule.max) return `must be at most ${rule.max} characters`;
      if (rule.min !== undefined && value.trim().length < rule.min) return 'cannot be empty';
      return undefined;
    }
    case 'enum':
      if (typeof value !== 'string' || !rule.values.includes(value)) {
        return multipart
          ? `must be one of: ${rule.values.join(', ')}`
          : `${String(value)} is not a valid enum value`;
      }
      return undefined;
    case 'boolean-string':
      return value === 'true' || value === 'false' ? undefined : 'must be "true" or "false"';
  }
}

function rangeMessage(rule: { min: number; max: number }, value: number): string {
  return value < rule.min
    ? `${value} is not greater or equal to ${rule.min}`
    : `expected maximum: ${rule.max}, found: ${value}`;
}

function jsonType(value: unknown): string {
  if (value === null) return 'Null';
  if (Array.isArray(value)) return 'JSONArray';
  if (typeof value === 'object') return 'JSONObject';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'BigDecimal';
  if (typeof value === 'boolean') return 'Boolean';
  return 'String';
}

/**
 * Checks an image's dimensions against limits. Returns the problem, or `undefined`.
 *
 * @example
 * ```ts
 * checkImageLimits(32, 32, DEFAULT_IMAGE_LIMITS); // 'width and height must be at least 64 pixels, got 32x32'
 * ```
 */
export function checkImageLimits(
  width: number,
  height: number,
  limits: StabilityImageLimits,
): string | undefined {
  const pixels = width * height;
  if (Math.min(width, height) < limits.minSide) {
    return `width and height must be at least ${limits.minSide} pixels, got ${width}x${height}`;
  }
  if (limits.maxSide !== undefined && Math.max(width, height) > limits.maxSide) {
    return `width and height must be at most ${limits.maxSide} pixels, got ${width}x${height}`;
  }
  if (pixels < limits.minPixels || pixels > limits.maxPixels) {
    return `total pixel count must be between ${limits.minPixels} and ${limits.maxPixels}, got ${pixels}`;
  }
  if (limits.maxAspectRatio !== undefined) {
    const ratio = Math.max(width, height) / Math.min(width, height);
    if (ratio > limits.maxAspectRatio + 1e-9) {
      return `aspect ratio must be between 1:${limits.maxAspectRatio} and ${limits.maxAspectRatio}:1, got ${width}x${height}`;
    }
  }
  return undefined;
}
