/**
 * Names of a provider package, derived from its kebab-case name.
 * @module
 */

/** kebab-case: lower-case words of letters and digits, the first starting with a letter. */
export const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** A model prefix: snake_case, as LiteLLM's (`vertex_ai`, `black_forest_labs`). */
export const PREFIX_PATTERN = /^[a-z][a-z0-9_]*$/;

/** Words that cannot name the default provider instance (`export const <propertyName>`). */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally ' +
    'for function if implements import in instanceof interface let new null package private protected public ' +
    'return static super switch this throw true try typeof var void while with yield await'
  ).split(' '),
);

/**
 * @typedef {object} ProviderNames
 * @property {string} name kebab-case name, also the file-name stem (`acme-ai`)
 * @property {string} className PascalCase (`AcmeAi`): `createAcmeAi`, `AcmeAiProviderSettings`
 * @property {string} propertyName camelCase (`acmeAi`): the default instance
 * @property {string} constantName SCREAMING_SNAKE (`ACME_AI`): env vars and `ACME_AI_CATALOGUE`
 * @property {string} prefix model prefix (`acme_ai`)
 * @property {string} packageName `@retouch/provider-acme-ai`
 * @property {string} projectRoot `packages/provider-acme-ai`
 */

/**
 * Checks `name` (and `prefix`, if given) and derives every name the templates use.
 *
 * @example
 * providerNames('acme-ai'); // { className: 'AcmeAi', constantName: 'ACME_AI', prefix: 'acme_ai', … }
 *
 * @param {string} name kebab-case provider name
 * @param {string} [prefix] model prefix; defaults to `name` in snake_case
 * @returns {ProviderNames}
 */
export function providerNames(name, prefix) {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new Error(
      `provider name "${name}" must be kebab-case: lower-case letters and digits in words joined by "-", starting with a letter (e.g. acme-ai).`,
    );
  }
  if (name.startsWith('provider-')) {
    throw new Error(
      `provider name "${name}" already starts with "provider-"; pass "${name.slice('provider-'.length)}" to get packages/${name}.`,
    );
  }
  if (prefix !== undefined && !PREFIX_PATTERN.test(prefix)) {
    throw new Error(
      `prefix "${prefix}" must be snake_case: lower-case letters, digits and "_", starting with a letter (e.g. acme_ai).`,
    );
  }
  const words = name.split('-');
  const className = words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
  const propertyName = className.charAt(0).toLowerCase() + className.slice(1);
  if (RESERVED.has(propertyName)) {
    throw new Error(`provider name "${name}" is a JavaScript reserved word; choose another name.`);
  }
  return {
    name,
    className,
    propertyName,
    constantName: words.map((word) => word.toUpperCase()).join('_'),
    prefix: prefix ?? words.join('_'),
    packageName: `@retouch/provider-${name}`,
    projectRoot: `packages/provider-${name}`,
  };
}
