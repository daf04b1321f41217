/**
 * Runs inside the fresh app that `check-packages.mjs` installed the packed tarballs into, as a user's
 * code would: imports every entry of every package (ESM), finds each provider from its model prefix,
 * makes one edit through the installed core, provider and simulator, and one through the installed
 * proxy with `response_format: url`, fetching the URL it answers. Argument: a JSON list of
 * `{ name, entries }`.
 * @module
 */
const packages = /** @type {{ name: string, entries: string[] }[]} */ (JSON.parse(process.argv[2] ?? '[]'));
/** @type {string[]} */
const failures = [];

for (const { name, entries } of packages) {
  for (const entry of entries) {
    const specifier = entry === '.' ? name : `${name}/${entry.replace(/^\.\//, '')}`;
    try {
      const mod = await import(specifier);
      if (Object.keys(mod).length === 0) failures.push(`${specifier}: exports nothing`);
    } catch (error) {
      failures.push(`${specifier}: ${/** @type {Error} */ (error).message}`);
    }
  }
}

// The Jest-bound suite is its own entry: nothing here may have needed Jest.
try {
  import.meta.resolve('@jest/globals');
  failures.push('@jest/globals is installed in the app, so the imports above prove nothing about it');
} catch {
  // Not installed, as intended.
}

const core = await import('@retouch/core');
for (const [prefix, name] of Object.entries(core.PROVIDER_PACKAGES)) {
  try {
    const pkg = await core.loadProviderPackage(prefix);
    if (pkg.prefix !== prefix) failures.push(`${name} serves prefix ${pkg.prefix}, not ${prefix}`);
  } catch (error) {
    failures.push(`prefix ${prefix}: ${/** @type {Error} */ (error).message}`);
  }
}

const testing = await import('@retouch/testing');
const apiKey = 'sk-release-check-0123456789';
const simulator = await testing.startOpenAISimulator({ apiKey });
try {
  const response = await core.imageEdit(
    { model: 'gpt-image-2', image: testing.createPng(64, 64), prompt: 'Make it blue' },
    { providerConfig: { api_key: apiKey, api_base: `${simulator.url}/v1` } },
  );
  const bytes = Buffer.from(response.data?.[0]?.b64_json ?? '', 'base64');
  if (core.sniffImage(bytes)?.mediaType !== 'image/png') failures.push('the edit did not return a PNG');
} catch (error) {
  failures.push(`imageEdit through the installed packages: ${/** @type {Error} */ (error).message}`);
}

// The installed proxy over the same simulator: one edit answered with a URL of its own, then fetched.
const { createProxyServer, parseConfig } = await import('@retouch/proxy');
const config = parseConfig(
  `model_list:\n  - model_name: edit\n    litellm_params: { model: gpt-image-2, api_key: ${apiKey}, api_base: ${simulator.url}/v1 }\n`,
);
const proxy = await createProxyServer({ config, logger: false, console: false });
try {
  const base = await proxy.listen({ port: 0, host: '127.0.0.1' });
  const form = new FormData();
  form.set('model', 'edit');
  form.set('prompt', 'Make it blue');
  form.set('response_format', 'url');
  form.set('image', new Blob([testing.createPng(64, 64)], { type: 'image/png' }), 'in.png');
  const answer = await fetch(`${base}/v1/images/edits`, { method: 'POST', body: form });
  const url = (await answer.json()).data?.[0]?.url ?? '';
  if (!url.startsWith(`${base}/v1/images/files/`))
    failures.push(`the proxy answered ${answer.status}, url ${url.slice(0, 60)}`);
  else {
    const image = new Uint8Array(await (await fetch(url)).arrayBuffer());
    if (core.sniffImage(image)?.mediaType !== 'image/png')
      failures.push('the proxy-hosted URL did not serve a PNG');
  }
} catch (error) {
  failures.push(`the installed proxy: ${/** @type {Error} */ (error).message}`);
} finally {
  await proxy.close({ graceMs: 0 });
  await simulator.close();
}

if (failures.length > 0) {
  console.error(failures.map((failure) => `  ✗ ${failure}`).join('\n'));
  process.exit(1);
}
const count = packages.reduce((sum, pkg) => sum + pkg.entries.length, 0);
console.log(
  `  ✓ ${count} entries imported, ${Object.keys(core.PROVIDER_PACKAGES).length} providers found by prefix, one edit, one proxy edit with a hosted URL`,
);
