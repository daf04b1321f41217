/**
 * `ConfigError`: a config.yaml that cannot be served, with the path of every bad key.
 * @module
 */

/** One problem in a config file. */
export interface ConfigIssue {
  /** Key path as the file reads, e.g. `model_list[2].litellm_params.model`. */
  path: string;
  /** What is wrong and what is expected. */
  message: string;
  /** 1-based line in the file, when known. */
  line?: number;
}

/**
 * A config issue as one line: `path: message (line N)`.
 *
 * @example
 * ```ts
 * import { formatIssue } from '@retouch/proxy';
 * formatIssue({ path: 'guardrails', message: 'unknown key, ignored', line: 9 }); // 'guardrails: unknown key, ignored (line 9)'
 * ```
 */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path}: ${issue.message}${issue.line === undefined ? '' : ` (line ${issue.line})`}`;
}

/**
 * A config that cannot be loaded. `message` lists every issue as `path: problem (line N)`.
 *
 * @example
 * ```ts
 * import { ConfigError, parseConfig } from '@retouch/proxy';
 *
 * try {
 *   parseConfig('model_list:\n  - model_name: edit\n    litellm_params: {}\n');
 * } catch (error) {
 *   if (error instanceof ConfigError) console.error(error.issues[0]?.path); // model_list[0].litellm_params.model
 * }
 * ```
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  /** The file the config came from, when it came from a file. */
  readonly file: string | undefined;

  constructor(issues: readonly ConfigIssue[], file?: string, options?: { cause?: unknown }) {
    const where = file ? ` ${file}` : '';
    const lines = issues.map((i) => `  ${formatIssue(i)}`);
    super(`invalid config${where}:\n${lines.join('\n')}`, options);
    this.name = 'ConfigError';
    this.issues = issues;
    this.file = file;
  }

  /** Path of the first issue. */
  get path(): string {
    return this.issues[0]?.path ?? '';
  }
}

/**
 * Formats a key path the way a config file reads.
 *
 * @example
 * ```ts
 * import { formatKeyPath } from '@retouch/proxy';
 * formatKeyPath(['model_list', 2, 'litellm_params', 'model']); // 'model_list[2].litellm_params.model'
 * ```
 */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}

/**
 * Parses a key path written as the file reads back into its parts.
 *
 * @example
 * ```ts
 * import { parseKeyPath } from '@retouch/proxy';
 * parseKeyPath('model_list[2].litellm_params.model'); // ['model_list', 2, 'litellm_params', 'model']
 * ```
 */
export function parseKeyPath(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) parts.push(Number(match[2]));
    else if (match[1] !== undefined) parts.push(match[1]);
  }
  return parts;
}
