/**
 * What the simulated Gemini `generateContent` knows: the image models, what each takes in
 * `imageConfig`, how many input images it accepts, and the deterministic token counts it reports.
 * Facts from `provider-wire-formats.md` §2–3 (js-genai enums and converters, the Gemini cookbook).
 * @module
 */

/** One simulated Gemini image model. */
export interface GeminiSimModel {
  /** `imageConfig.aspectRatio` values accepted. */
  aspectRatios: readonly string[];
  /** `imageConfig.imageSize` values accepted; empty: the field is refused (one size only). */
  imageSizes: readonly string[];
  /** Most input images accepted in one request (a hard limit, not the recommended count). */
  maxImages: number;
  /** Whether answers include thought parts and `thoughtsTokenCount` (Gemini 3). */
  thinks: boolean;
  /** Prompt tokens charged per input image. */
  inputTokensPerImage: number;
  /** Output tokens of one image, by `imageSize` (`1K` when none is given). */
  outputTokensByImageSize: Readonly<Record<string, number>>;
  /** Served by Vertex AI too (the `nano-banana-*` alias is the Gemini API's only). */
  onVertex: boolean;
}

const BASE_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
const EXTENDED_RATIOS = [...BASE_RATIOS, '1:4', '4:1', '1:8', '8:1'] as const;

const flash25: GeminiSimModel = {
  aspectRatios: BASE_RATIOS,
  imageSizes: [],
  // The cookbook recommends up to 3 images; the API itself takes many more (3,600 per request).
  maxImages: 3600,
  thinks: false,
  inputTokensPerImage: 258,
  outputTokensByImageSize: { '1K': 1290 },
  onVertex: true,
};
const pro3: GeminiSimModel = {
  aspectRatios: BASE_RATIOS,
  imageSizes: ['1K', '2K', '4K'],
  maxImages: 14,
  thinks: true,
  inputTokensPerImage: 560,
  outputTokensByImageSize: { '1K': 1120, '2K': 1120, '4K': 2000 },
  onVertex: true,
};
const flash31: GeminiSimModel = {
  aspectRatios: EXTENDED_RATIOS,
  imageSizes: ['512', '1K', '2K', '4K'],
  maxImages: 14,
  thinks: true,
  inputTokensPerImage: 560,
  outputTokensByImageSize: { '512': 560, '1K': 1120, '2K': 1680, '4K': 2520 },
  onVertex: true,
};

/** The simulator's model catalogue. */
export const GEMINI_SIM_MODELS: Readonly<Record<string, GeminiSimModel>> = {
  'gemini-2.5-flash-image': flash25,
  'gemini-3-pro-image-preview': pro3,
  'gemini-3-pro-image': pro3,
  'nano-banana-pro-preview': { ...pro3, onVertex: false },
  'gemini-3.1-flash-image-preview': flash31,
  'gemini-3.1-flash-image': flash31,
};

/** `inlineData.mimeType` values the image models read. */
export const GEMINI_IMAGE_MIME_TYPES: readonly string[] = [
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/heic',
  'image/heif',
];

/** `generationConfig.responseModalities` enum. */
export const GEMINI_MODALITIES: readonly string[] = ['MODALITY_UNSPECIFIED', 'TEXT', 'IMAGE', 'AUDIO'];

/** `safetySettings[].category` enum. */
export const GEMINI_HARM_CATEGORIES: readonly string[] = [
  'HARM_CATEGORY_UNSPECIFIED',
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_CIVIC_INTEGRITY',
];

/**
 * Vertex AI's extra `safetySettings[].category` values (`@google/genai` marks the image ones "not
 * supported in Gemini API") and its `safetySettings[].method` enum.
 */
export const VERTEX_HARM_CATEGORIES: readonly string[] = [
  ...GEMINI_HARM_CATEGORIES,
  'HARM_CATEGORY_JAILBREAK',
  'HARM_CATEGORY_IMAGE_HATE',
  'HARM_CATEGORY_IMAGE_DANGEROUS_CONTENT',
  'HARM_CATEGORY_IMAGE_HARASSMENT',
  'HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT',
];
export const VERTEX_HARM_BLOCK_METHODS: readonly string[] = [
  'HARM_BLOCK_METHOD_UNSPECIFIED',
  'SEVERITY',
  'PROBABILITY',
];

/** `safetySettings[].threshold` enum. */
export const GEMINI_HARM_THRESHOLDS: readonly string[] = [
  'HARM_BLOCK_THRESHOLD_UNSPECIFIED',
  'BLOCK_LOW_AND_ABOVE',
  'BLOCK_MEDIUM_AND_ABOVE',
  'BLOCK_ONLY_HIGH',
  'BLOCK_NONE',
  'OFF',
];

/** Vertex-only `imageConfig.personGeneration` enum. */
export const VERTEX_GEMINI_PERSON_GENERATION: readonly string[] = ['ALLOW_ALL', 'ALLOW_ADULT', 'ALLOW_NONE'];

/** Vertex-only `imageConfig.imageOutputOptions.mimeType` values. */
export const VERTEX_GEMINI_OUTPUT_MIME_TYPES: readonly string[] = ['image/png', 'image/jpeg'];

/** Largest request body of the Gemini API with inline data. */
export const GEMINI_MAX_REQUEST_BYTES = 20 * 1024 * 1024;
