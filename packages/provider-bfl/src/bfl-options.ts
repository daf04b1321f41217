/**
 * Provider extras per BFL endpoint, named and ranged exactly as the spec's request schemas
 * (`FluxKontextProInputs`, `Flux2Inputs`, `Flux2FlexInputs`, `FluxProFillInputs`,
 * `FluxProExpandInputs`); `bfl-options.test.ts` checks them against the spec. Private: only the
 * types leave the package.
 * @module
 */
import { z } from 'zod';
import type { BFLModelKind } from './bfl-capabilities.js';

const seed = z.number().int().describe('Seed for reproducible results.');
const safetyTolerance = (max: number) =>
  z.number().int().min(0).max(max).describe(`Moderation strictness, 0 (strict) to ${max}. BFL default 2.`);
const webhook = {
  webhook_url: z
    .url({ protocol: /^https?$/ })
    .max(2083)
    .describe('URL BFL notifies when the task is done (the task is still polled).'),
  webhook_secret: z.string().describe('Secret BFL signs webhook deliveries with (X-BFL-Signature).'),
};
const promptUpsampling = z.boolean().describe('Let BFL rewrite the prompt for more creative results.');
const fillSteps = z.number().int().min(15).max(50).describe('Denoising steps, 15–50. BFL default 50.');
const fillGuidance = z.number().min(1.5).max(100).describe('Guidance strength, 1.5–100. BFL default 60.');
const expandSide = z.number().int().min(0).max(2048);

/** Kontext [pro]/[max]: `aspect_ratio` is `W:H` between 21:9 and 9:21. */
const kontextOptions = z.object({
  seed: seed.optional(),
  aspect_ratio: z
    .string()
    .regex(/^\d+:\d+$/, 'must be W:H, e.g. 16:9')
    .refine((value) => {
      const [width, height] = value.split(':').map(Number) as [number, number];
      const ratio = width / height;
      return ratio > 0 && ratio <= 21 / 9 + 1e-9 && 1 / ratio <= 21 / 9 + 1e-9;
    }, 'must be between 21:9 and 9:21')
    .optional(),
  prompt_upsampling: promptUpsampling.optional(),
  safety_tolerance: safetyTolerance(6).optional(),
  webhook_url: webhook.webhook_url.optional(),
  webhook_secret: webhook.webhook_secret.optional(),
});

const flux2Shape = {
  seed: seed.optional(),
  width: z.number().int().min(64).multipleOf(16).describe('Output width, a multiple of 16.').optional(),
  height: z.number().int().min(64).multipleOf(16).describe('Output height, a multiple of 16.').optional(),
  safety_tolerance: safetyTolerance(5).optional(),
  webhook_url: webhook.webhook_url.optional(),
  webhook_secret: webhook.webhook_secret.optional(),
};

/** FLUX.2 [pro]/[max]/[klein]. */
const flux2Options = z.object(flux2Shape);

/** FLUX.2 [flex]: also `guidance`, `steps`, `prompt_upsampling` (BFL default true). */
const flux2FlexOptions = z.object({
  ...flux2Shape,
  guidance: z.number().min(1.5).max(10).describe('Guidance, 1.5–10. BFL default 5.').optional(),
  steps: z.number().int().min(1).max(50).describe('Steps, 1–50. BFL default 50.').optional(),
  prompt_upsampling: promptUpsampling.optional(),
});

const fillShape = {
  seed: seed.optional(),
  steps: fillSteps.optional(),
  guidance: fillGuidance.optional(),
  prompt_upsampling: promptUpsampling.optional(),
  safety_tolerance: safetyTolerance(6).optional(),
  webhook_url: webhook.webhook_url.optional(),
  webhook_secret: webhook.webhook_secret.optional(),
};

/** FLUX.1 Fill [pro]. */
const fillOptions = z.object(fillShape);

/** FLUX.1 Expand [pro]: pixels to add per side, 0–2048 each; at least one must be set. */
const expandOptions = z.object({
  ...fillShape,
  top: expandSide.describe('Pixels to add at the top, 0–2048.').optional(),
  bottom: expandSide.describe('Pixels to add at the bottom, 0–2048.').optional(),
  left: expandSide.describe('Pixels to add on the left, 0–2048.').optional(),
  right: expandSide.describe('Pixels to add on the right, 0–2048.').optional(),
});

/** The extras schema of each model kind. */
export const BFL_OPTIONS_SCHEMAS = {
  kontext: kontextOptions,
  flux2: flux2Options,
  'flux2-flex': flux2FlexOptions,
  fill: fillOptions,
  expand: expandOptions,
} as const satisfies Record<BFLModelKind, z.ZodObject>;

/** Extras of `flux-kontext-pro` / `flux-kontext-max` (flat on the request, as LiteLLM passes them). */
export type BFLKontextOptions = z.infer<typeof kontextOptions>;
/** Extras of `flux-2-pro`, `flux-2-max`, `flux-2-klein-4b`, `flux-2-klein-9b`. */
export type BFLFlux2Options = z.infer<typeof flux2Options>;
/** Extras of `flux-2-flex`. */
export type BFLFlux2FlexOptions = z.infer<typeof flux2FlexOptions>;
/** Extras of `flux-pro-1.0-fill`. */
export type BFLFillOptions = z.infer<typeof fillOptions>;
/** Extras of `flux-pro-1.0-expand`. */
export type BFLExpandOptions = z.infer<typeof expandOptions>;
/** The extras of any BFL model. */
export type BFLOptions = BFLKontextOptions & BFLFlux2FlexOptions & BFLFillOptions & BFLExpandOptions;
