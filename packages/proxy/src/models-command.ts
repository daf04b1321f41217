/**
 * `retouch models [--config config.yaml] [--json]`: the model catalogue of every installed
 * provider package — provider, model, status, shutdown, successor, price, input images, mask —
 * with the catalogue file applied (config.yaml's `model_catalogue`, else `RETOUCH_MODEL_CATALOGUE`).
 * @module
 */
import { parseArgs } from 'node:util';
import {
  type CatalogueOverrides,
  describePrice,
  environmentCatalogue,
  type ImageEditProvider,
  loadModelCatalogue,
  loadProviderPackage,
  lookupModel,
  ModelCatalogueError,
  PROVIDER_PACKAGES,
  type ProviderCatalogue,
  resolveModel,
} from '@retouch/core';
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/load-config.js';

/** One line of the listing. */
export interface CatalogueListing {
  provider: string;
  model: string;
  status: string;
  released?: string;
  shutdown?: string;
  successor?: string;
  price: string;
  max_input_images: number;
  supports_mask: boolean;
  /** `catalogue` (built in), or `catalogue file` for a row the file adds. */
  origin: 'catalogue' | 'catalogue file';
}

/** A provider of `catalogue` that calls nothing: enough to resolve rows. */
function catalogueProvider(catalogue: ProviderCatalogue): ImageEditProvider {
  return {
    id: catalogue.provider,
    catalogue,
    capabilities: (model) => lookupModel(catalogue, model)?.row.capabilities,
    models: () => catalogue.rows.map((row) => row.model),
    imageEdit: () => Promise.reject(new Error('the catalogue listing calls no provider')),
  };
}

/**
 * The catalogue of every installed provider package, with `overrides` applied; rows a catalogue
 * file adds follow their family rule or `base_model`.
 *
 * @example
 * ```ts
 * for (const row of await listCatalogue(new Map())) console.log(row.provider, row.model, row.status);
 * ```
 */
export async function listCatalogue(overrides: CatalogueOverrides): Promise<CatalogueListing[]> {
  const out: CatalogueListing[] = [];
  for (const prefix of Object.keys(PROVIDER_PACKAGES)) {
    const catalogue = await loadProviderPackage(prefix).then(
      (pkg) => pkg.catalogue,
      () => undefined,
    );
    if (!catalogue) continue;
    const provider = catalogueProvider(catalogue);
    const listed = new Set(catalogue.rows.map((row) => row.model));
    const added = [...overrides.keys()]
      .filter((key) => key.startsWith(`${prefix}/`))
      .map((key) => key.slice(prefix.length + 1))
      .filter((model) => !listed.has(model));
    for (const model of [...listed, ...added]) {
      const resolved = resolveModel(provider, model, { overrides });
      if (!resolved) continue;
      const { row } = resolved;
      out.push({
        provider: prefix,
        model,
        status: row.status,
        released: row.released,
        shutdown: row.shutdown,
        successor: row.successor,
        price: describePrice(row.price),
        max_input_images: row.capabilities.maxImages,
        supports_mask: row.capabilities.mask !== 'none',
        origin: listed.has(model) ? 'catalogue' : 'catalogue file',
      });
    }
  }
  return out;
}

/**
 * The listing as an aligned text table.
 *
 * @example
 * ```ts
 * console.log(formatListing(await listCatalogue(new Map())).join('\n'));
 * ```
 */
export function formatListing(rows: readonly CatalogueListing[]): string[] {
  const header = ['provider', 'model', 'status', 'shutdown', 'successor', 'price', 'images', 'mask'];
  const cells = rows.map((r) => [
    r.provider,
    r.model,
    r.status,
    r.shutdown ?? '-',
    r.successor ?? '-',
    r.price,
    String(r.max_input_images),
    r.supports_mask ? 'yes' : 'no',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
}

/** Where `modelsCommand` writes and what it reads. */
export interface ModelsCommandIO {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs `retouch models`; returns the exit code.
 *
 * @example
 * ```ts
 * await modelsCommand(['--json'], { stdout: console.log, stderr: console.error });
 * ```
 */
export async function modelsCommand(argv: readonly string[], io: ModelsCommandIO): Promise<number> {
  let values: { config?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(
      `retouch models: ${(error as Error).message}\n\nUsage: retouch models [--config config.yaml] [--json]`,
    );
    return 2;
  }
  let overrides: CatalogueOverrides;
  try {
    if (values.config) {
      const config = await loadConfig(values.config, { env: io.env });
      overrides =
        config.router.model_catalogue instanceof Map
          ? config.router.model_catalogue
          : typeof config.router.model_catalogue === 'string'
            ? loadModelCatalogue(config.router.model_catalogue)
            : environmentCatalogue(io.env);
    } else overrides = environmentCatalogue(io.env);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ModelCatalogueError) {
      io.stderr(`retouch models: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const rows = await listCatalogue(overrides);
  if (values.json) io.stdout(JSON.stringify(rows, null, 2));
  else for (const line of formatListing(rows)) io.stdout(line);
  return 0;
}
