/**
 * A model catalogue file: JSON that adds or overrides catalogue rows without a release. It is an
 * object keyed by model id (`provider/model`, or a bare OpenAI name; LiteLLM's
 * `litellm_provider` key works too), each value a row of {@link ModelOverride} keys:
 *
 * ```json
 * {
 *   "openai/gpt-image-3": { "base_model": "gpt-image-2.6-sunburst", "status": "active", "input_cost_per_token": 5e-6 },
 *   "gemini/gemini-2.5-flash-image": { "status": "retired", "successor": "gemini-3.1-flash-image" }
 * }
 * ```
 *
 * Loaded from `model_catalogue:` in config.yaml, or `RETOUCH_MODEL_CATALOGUE` for the SDK.
 * @module
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseModelId } from '../registry.js';
import { isImageMode, type ModelOverride, overrideShape } from './overrides.js';

/** Overrides by `provider/model`. */
export type CatalogueOverrides = ReadonlyMap<string, ModelOverride>;

/** One problem of a catalogue file: where (`"openai/gpt-image-3".max_input_images`) and what. */
export interface CatalogueFileIssue {
  path: string;
  message: string;
}

/**
 * A catalogue file that cannot be used; `message` names the file, and each row and field at fault.
 *
 * @example
 * ```ts
 * try { loadModelCatalogue('./models.json'); }
 * catch (e) { if (e instanceof ModelCatalogueError) console.error(e.issues); }
 * ```
 */
export class ModelCatalogueError extends Error {
  readonly issues: readonly CatalogueFileIssue[];
  constructor(source: string, issues: readonly CatalogueFileIssue[], options?: { cause?: unknown }) {
    super(
      `model catalogue ${source}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
      options,
    );
    this.name = 'ModelCatalogueError';
    this.issues = issues;
  }
}

const rowSchema = z.strictObject({ ...overrideShape, litellm_provider: z.string().min(1).optional() });

/** LiteLLM's price file starts with a documentation entry; it is not a model. */
const IGNORED_KEYS = new Set(['sample_spec']);

function fieldPath(key: string, path: readonly PropertyKey[]): string {
  let out = JSON.stringify(key);
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}

/**
 * Validates a parsed catalogue file. Rows whose `mode` is not an image mode (a LiteLLM price file
 * also lists chat models) are left out. Throws a {@link ModelCatalogueError} naming each bad row
 * and field.
 *
 * @example
 * ```ts
 * const overrides = parseModelCatalogue({ 'openai/gpt-image-3': { base_model: 'gpt-image-2', output_cost_per_image: 0.05 } }, 'models.json');
 * overrides.get('openai/gpt-image-3')?.output_cost_per_image; // 0.05
 * ```
 */
export function parseModelCatalogue(data: unknown, source = 'catalogue'): CatalogueOverrides {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ModelCatalogueError(source, [
      {
        path: '(file)',
        message: 'expected a JSON object keyed by model id, e.g. {"openai/gpt-image-3": {…}}',
      },
    ]);
  }
  const issues: CatalogueFileIssue[] = [];
  const out = new Map<string, ModelOverride>();
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (IGNORED_KEYS.has(key)) continue;
    const parsed = rowSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          for (const k of issue.keys)
            issues.push({ path: fieldPath(key, [...issue.path, k]), message: 'unknown key' });
        } else issues.push({ path: fieldPath(key, issue.path), message: issue.message });
      }
      continue;
    }
    const { litellm_provider: provider, ...row } = parsed.data;
    if (!isImageMode(row.mode)) continue;
    let id: string;
    try {
      const named = key.includes('/') || !provider ? key : `${provider}/${key}`;
      const { prefix, model } = parseModelId(named);
      id = `${prefix}/${model}`;
    } catch (error) {
      issues.push({ path: JSON.stringify(key), message: (error as Error).message.replace(/^model: /, '') });
      continue;
    }
    if (out.has(id)) issues.push({ path: JSON.stringify(key), message: `${id} is listed twice` });
    out.set(id, row as ModelOverride);
  }
  if (issues.length > 0) throw new ModelCatalogueError(source, issues);
  return out;
}

/**
 * Reads and validates a catalogue file.
 *
 * @example
 * ```ts
 * const overrides = loadModelCatalogue('./models.json');
 * ```
 */
export function loadModelCatalogue(file: string): CatalogueOverrides {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ModelCatalogueError(
      file,
      [{ path: '(file)', message: `cannot read: ${(error as Error).message}` }],
      {
        cause: error,
      },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ModelCatalogueError(
      file,
      [{ path: '(file)', message: `not JSON: ${(error as Error).message}` }],
      {
        cause: error,
      },
    );
  }
  return parseModelCatalogue(data, file);
}

let fromEnvironment: { file: string; overrides: CatalogueOverrides } | undefined;

/**
 * The overrides of the file `RETOUCH_MODEL_CATALOGUE` names (read once per path), or none.
 *
 * @example
 * ```ts
 * process.env.RETOUCH_MODEL_CATALOGUE = './models.json';
 * environmentCatalogue().size; // rows in models.json
 * ```
 */
export function environmentCatalogue(
  env: Readonly<Record<string, string | undefined>> = process.env,
): CatalogueOverrides {
  const file = env.RETOUCH_MODEL_CATALOGUE;
  if (!file) return new Map();
  if (fromEnvironment?.file !== file) fromEnvironment = { file, overrides: loadModelCatalogue(file) };
  return fromEnvironment.overrides;
}
