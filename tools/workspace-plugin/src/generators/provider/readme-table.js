/**
 * Adds a provider's row to the provider table of the root README.md without touching anything else:
 * the lead edits that file by hand, so the generator only ever inserts one line (or, when there is no
 * such table, appends a small section at the end).
 * @module
 */

/**
 * @typedef {object} ProviderRow
 * @property {string} packageName `@retouch/provider-acme`
 * @property {string} prefix `acme`
 * @property {string} constantName `ACME`: env vars are `ACME_API_KEY` and `ACME_API_BASE`
 */

/** @param {string} line */
const isTableLine = (line) => line.trimStart().startsWith('|');

/** @param {string} line */
const cells = (line) =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());

/** @param {string} line */
const isSeparator = (line) => cells(line).every((cell) => /^:?-+:?$/.test(cell));

/**
 * The cell for one column, chosen by the column's header.
 * @param {string} header
 * @param {ProviderRow} row
 */
function cellFor(header, row) {
  const h = header.toLowerCase();
  if (h.includes('package')) return `\`${row.packageName}\``;
  if (h.includes('prefix')) return `\`${row.prefix}\``;
  if (/base|url|endpoint/.test(h)) return `\`${row.constantName}_API_BASE\``;
  if (/credential|key|auth|env/.test(h)) return `\`${row.constantName}_API_KEY\``;
  if (/status|note/.test(h)) return 'scaffold (not implemented)';
  return 'TODO';
}

/**
 * Where the provider table is: the first table whose header names both `Package` and `Prefix`.
 * @param {string[]} lines
 * @returns {{ header: number, end: number } | undefined} `end` is the index after the table's last row
 */
export function findProviderTable(lines) {
  for (let i = 0; i + 1 < lines.length; i++) {
    const line = /** @type {string} */ (lines[i]);
    const next = /** @type {string} */ (lines[i + 1]);
    if (!isTableLine(line) || !isTableLine(next) || !isSeparator(next)) continue;
    const header = cells(line).map((cell) => cell.toLowerCase());
    if (!header.some((cell) => cell.includes('package')) || !header.some((cell) => cell.includes('prefix')))
      continue;
    let end = i + 2;
    while (end < lines.length && isTableLine(/** @type {string} */ (lines[end]))) end++;
    return { header: i, end };
  }
  return undefined;
}

/**
 * Returns `readme` with the provider's row added: after the last row of the provider table, or in a
 * new `## Providers` section at the end when there is no table (an empty `readme` gets a minimal
 * README). A README that already lists the package is returned unchanged.
 *
 * @example
 * addProviderRow('| Package | Prefix |\n|---|---|\n', { packageName: '@retouch/provider-acme', prefix: 'acme', constantName: 'ACME' });
 * // '| Package | Prefix |\n|---|---|\n| `@retouch/provider-acme` | `acme` |\n'
 *
 * @param {string} readme
 * @param {ProviderRow} row
 * @returns {string}
 */
export function addProviderRow(readme, row) {
  const eol = readme.includes('\r\n') ? '\r\n' : '\n';
  const lines = readme.split(/\r?\n/);
  const table = findProviderTable(lines);
  if (table) {
    const inTable = lines.slice(table.header + 2, table.end);
    if (inTable.some((line) => line.includes(`\`${row.packageName}\``))) return readme;
    const header = cells(/** @type {string} */ (lines[table.header]));
    const line = `| ${header.map((cell) => cellFor(cell, row)).join(' | ')} |`;
    lines.splice(table.end, 0, line);
    return lines.join(eol);
  }
  const section = [
    '## Providers',
    '',
    '| Package | Prefix | Credentials (env) | Base URL override |',
    '|---|---|---|---|',
    `| \`${row.packageName}\` | \`${row.prefix}\` | \`${row.constantName}_API_KEY\` | \`${row.constantName}_API_BASE\` |`,
    '',
  ].join(eol);
  if (readme.trim() === '') return `# retouch${eol}${eol}${section}`;
  const ending = readme.endsWith(eol) ? eol : `${eol}${eol}`;
  return `${readme}${readme.endsWith(`${eol}${eol}`) ? '' : ending}${section}`;
}
