/**
 * What the simulated Gemini image models answer: a real edited PNG (the first input inverted and
 * reshaped to the requested aspect ratio, keeping its area), a short text part, thought parts on
 * Gemini 3 models, `usageMetadata` with per-modality details, and the non-image endings Gemini
 * reports inside a 200 (blocked prompt, safety finishes, text-only answers).
 * @module
 */
import { randomUUID } from 'node:crypto';
import { sniffImage } from '@retouch/core';
import { createJpeg } from './fixtures.js';
import type { GeminiEditRequest } from './gemini-validate.js';
import {
  decodePngOrUndefined,
  drawInputThumbnails,
  encodePng,
  invertPng,
  promptColour,
  resizeNearest,
  sizeForAspectRatio,
  solidPng,
} from './sim-render.js';

/** A non-default ending of a generation, shared by the Gemini API and Vertex AI simulators. */
export type GoogleImageOutcome =
  /** Gemini: `promptFeedback.blockReason: SAFETY`, no candidates. Imagen: 400 for sensitive words. */
  | 'blocked-prompt'
  /** Gemini: `finishReason: IMAGE_SAFETY`, no content. Imagen: every sample filtered. */
  | 'image-safety'
  /** Gemini: `finishReason: IMAGE_PROHIBITED_CONTENT`. Imagen: every sample filtered. */
  | 'prohibited-content'
  /** Gemini: a text-only answer with `finishReason: STOP`. */
  | 'text-only'
  /** Gemini: `finishReason: NO_IMAGE`. */
  | 'no-image'
  /** Imagen: the first sample filtered (`raiFilteredReason`), the others returned. Gemini: as `image-safety`. */
  | 'some-filtered';

const ANSWER_TEXT = 'Here is the edited image.';
const TEXT_ONLY_ANSWER =
  "I can't make that change to the image, but I can describe what an edited version would look like.";
const THOUGHT_TEXT = '**Planning the edit**\n\nI will keep the composition and apply the requested change.';
const THOUGHT_TOKENS = 96;

const tokensOf = (text: string) => Math.ceil(text.length / 4);

/**
 * The output image: the first input inverted, reshaped to `aspectRatio` (same area), with every
 * further input as a thumbnail, as PNG or JPEG.
 */
function renderImage(edit: GeminiEditRequest): { bytes: Buffer; mimeType: string } {
  const first = edit.images[0];
  const info = first ? sniffImage(first.bytes) : undefined;
  const source = decodePngOrUndefined(first?.bytes, info?.mediaType);
  const width = info?.width ?? 64;
  const height = info?.height ?? 64;
  const size = sizeForAspectRatio(width, height, edit.aspectRatio);
  if (edit.outputMimeType === 'image/jpeg')
    return { bytes: createJpeg(size.width, size.height), mimeType: 'image/jpeg' };
  const png = source
    ? resizeNearest(invertPng(source), size.width, size.height)
    : solidPng(size.width, size.height, promptColour(edit.prompt));
  drawInputThumbnails(
    png,
    edit.images.slice(1).map((image) => ({ bytes: image.bytes, mediaType: image.mimeType })),
  );
  return { bytes: encodePng(png), mimeType: 'image/png' };
}

function promptUsage(edit: GeminiEditRequest) {
  const text = tokensOf(edit.prompt);
  const image = edit.images.length * edit.spec.inputTokensPerImage;
  return {
    promptTokenCount: text + image,
    promptTokensDetails: [
      { modality: 'TEXT', tokenCount: text },
      ...(image > 0 ? [{ modality: 'IMAGE', tokenCount: image }] : []),
    ],
  };
}

function common(edit: GeminiEditRequest): Record<string, unknown> {
  return {
    modelVersion: edit.model,
    responseId: randomUUID().replace(/-/g, '').slice(0, 22),
    ...(edit.api === 'vertex' ? { createTime: new Date().toISOString() } : {}),
  };
}

function usageFor(edit: GeminiEditRequest, textTokens: number, imageTokens: number, thoughts: number) {
  const prompt = promptUsage(edit);
  const candidates = textTokens + imageTokens;
  const details = [
    ...(imageTokens > 0 ? [{ modality: 'IMAGE', tokenCount: imageTokens }] : []),
    ...(textTokens > 0 ? [{ modality: 'TEXT', tokenCount: textTokens }] : []),
  ];
  return {
    ...prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt.promptTokenCount + candidates + thoughts,
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    ...(details.length > 0 ? { candidatesTokensDetails: details } : {}),
    ...(edit.api === 'vertex' ? { trafficType: 'ON_DEMAND' } : {}),
  };
}

/** A candidate that ended without content (`IMAGE_SAFETY` and the like). */
function emptyCandidate(edit: GeminiEditRequest, finishReason: string) {
  const prompt = promptUsage(edit);
  return {
    candidates: [{ finishReason, index: 0 }],
    usageMetadata: { ...prompt, totalTokenCount: prompt.promptTokenCount },
    ...common(edit),
  };
}

/**
 * The `GenerateContentResponse` of a valid request, or of `outcome`.
 *
 * @example
 * ```ts
 * const body = geminiAnswer(edit);
 * body.candidates[0].content.parts; // [text, inlineData]
 * ```
 */
export function geminiAnswer(edit: GeminiEditRequest, outcome?: GoogleImageOutcome): Record<string, unknown> {
  if (outcome === 'blocked-prompt') {
    const prompt = promptUsage(edit);
    return {
      promptFeedback: { blockReason: 'SAFETY' },
      usageMetadata: { ...prompt, totalTokenCount: prompt.promptTokenCount },
      ...common(edit),
    };
  }
  if (outcome === 'image-safety' || outcome === 'some-filtered') return emptyCandidate(edit, 'IMAGE_SAFETY');
  if (outcome === 'prohibited-content') return emptyCandidate(edit, 'IMAGE_PROHIBITED_CONTENT');
  if (outcome === 'no-image') return emptyCandidate(edit, 'NO_IMAGE');

  const wantsImage = edit.modalities.includes('IMAGE') && outcome !== 'text-only';
  const wantsText = edit.modalities.includes('TEXT') || !wantsImage;
  const thoughts = edit.spec.thinks ? THOUGHT_TOKENS : 0;
  const parts: Record<string, unknown>[] = [];
  const signature = Buffer.from(`sig:${edit.model}`).toString('base64');
  if (thoughts > 0) {
    parts.push({ text: THOUGHT_TEXT, thought: true });
    if (wantsImage) {
      // Gemini 3 image models may show an interim image while thinking; it is not a result.
      const interim = encodePng(solidPng(8, 8, [128, 128, 128]));
      parts.push({ inlineData: { mimeType: 'image/png', data: interim.toString('base64') }, thought: true });
    }
  }
  const text = wantsImage ? ANSWER_TEXT : TEXT_ONLY_ANSWER;
  if (wantsText) parts.push({ text, ...(thoughts > 0 ? { thoughtSignature: signature } : {}) });
  let imageTokens = 0;
  if (wantsImage) {
    const image = renderImage(edit);
    imageTokens = edit.spec.outputTokensByImageSize[edit.imageSize ?? '1K'] ?? 1290;
    parts.push({
      inlineData: { mimeType: image.mimeType, data: image.bytes.toString('base64') },
      ...(thoughts > 0 ? { thoughtSignature: signature } : {}),
    });
  }
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: usageFor(edit, wantsText ? tokensOf(text) : 0, imageTokens, thoughts),
    ...common(edit),
  };
}
