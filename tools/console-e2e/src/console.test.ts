/**
 * The console in a real browser, as a person uses it: sign in, watch a deployment cool down after
 * injected faults, read the logs, paint a mask and get an edited picture back, manage keys, find
 * the spend again after a restart. Every page is photographed at 1280×800 and at phone width into
 * `screenshots/`, where the page must fit the screen's width with its nav reachable.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodePngPixels } from '@retouch/core';
import {
  ASSETS,
  haveChromium,
  MASTER_KEY,
  SCREENSHOTS,
  screenshots,
  startWorld,
  TEAM_KEY,
  type World,
} from './world.js';

if (!haveChromium) {
  const why = 'Chromium is not installed (apt-get install -y chromium; .ci/run does it)';
  if (process.env.CI) throw new Error(`console browser tests: ${why}`);
  console.warn(`console browser tests skipped: ${why}`);
}
const suite = haveChromium ? describe : describe.skip;

async function edit(world: World, key = MASTER_KEY): Promise<number> {
  const form = new FormData();
  form.set('model', 'gpt-image-2');
  form.set('prompt', 'Add a hat');
  form.set(
    'image',
    new Blob([await readFile(join(ASSETS, 'landscape.png'))], { type: 'image/png' }),
    'landscape.png',
  );
  const response = await fetch(`${world.url}/v1/images/edits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
  await response.arrayBuffer();
  return response.status;
}

async function healthy(world: World, id: string): Promise<boolean> {
  return (await world.proxy.router.deployments()).find((d) => d.id === id)?.healthy ?? false;
}

suite('the web console in Chromium', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => world?.close());

  it('signs in with the master key (and refuses a wrong one)', async () => {
    const { page, url } = world;
    await page.goto(`${url}/ui/`);
    await page.fill('#key', 'sk-not-a-key');
    await page.click('button[type=submit]');
    const error = page.locator('#error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toContain('Invalid API key');
    await screenshots(page, 'login');

    await page.fill('#key', MASTER_KEY);
    await page.click('button[type=submit]');
    await page.locator('#signed-in-as').waitFor();
    expect(await page.locator('#signed-in-as').textContent()).toBe('master');
    expect(await page.title()).toBe('Overview · retouch console');
  });

  it('shows a deployment cooling down after injected faults, with its failure kind', async () => {
    const { page, simA } = world;
    expect(await edit(world, TEAM_KEY)).toBe(200);
    simA.injectFault({ type: 'status', status: 500 }, { times: Number.POSITIVE_INFINITY });
    let sent = 0;
    while ((await healthy(world, 'openai-a')) && sent < 40) {
      await edit(world);
      sent++;
    }
    expect(await healthy(world, 'openai-a')).toBe(false);
    expect(await healthy(world, 'openai-b')).toBe(true);

    await page.click('nav >> text=Overview');
    await page.reload();
    const row = page.locator('tr[data-deployment="openai-a"]');
    await row.getByText('cooling down until').waitFor();
    await row.getByText(/InternalServerError × \d+/).waitFor();
    expect(await page.locator('[data-stat="cooling"]').textContent()).toBe('1 / 3');
    expect(await page.locator('tr[data-deployment="openai-b"] .badge.ok').textContent()).toBe('healthy');
    expect(Number(await page.locator('[data-stat="requests"]').textContent())).toBeGreaterThanOrEqual(sent);
    expect(await page.locator('.chart canvas').count()).toBeGreaterThanOrEqual(4);
    // The retired model sent anyway (model_info.allow_retired) carries its lifecycle badge, the warning in its title.
    const retired = page.locator('tr[data-deployment="dalle-b"] .badge[data-lifecycle="retired"]');
    expect(await retired.textContent()).toMatch(/^retired 2026-05-12 → gpt-image-/);
    expect(await retired.getAttribute('title')).toContain('sends it anyway (model_info.allow_retired)');
    expect(await page.locator('tr[data-deployment="openai-a"] [data-lifecycle]').count()).toBe(0);
    await screenshots(page, 'overview');
  });

  it('lists the failed edits in Logs and filters them by status', async () => {
    const { page } = world;
    await page.click('nav >> text=Logs');
    await page.locator('#logs tbody tr').first().waitFor();
    await page.selectOption('select[name=status]', 'error');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#logs tbody tr')].every(
        (tr) => tr.querySelector('.badge')?.textContent === '500',
      ),
    );
    const failed = page.locator('#logs tbody tr').first();
    expect(await failed.locator('td[data-label="Deployment"]').textContent()).toContain('openai-a');
    expect(await failed.locator('td[data-label="Key"]').textContent()).toBe('master');
    await failed.locator('summary').click();
    expect(await failed.locator('.error-cell p').textContent()).toBeTruthy();
    await page.selectOption('select[name=status]', '');
    await page.locator('td[data-label="Key"]', { hasText: 'team-a' }).first().waitFor();
    // The proxy has a database: the spend log is the source.
    expect(await page.locator('#logs-source').textContent()).toContain('from the spend log');
    await page.fill('input[name=key]', 'TEAM');
    await page.locator('input[name=key]').dispatchEvent('change');
    await page.waitForFunction(() => {
      const keys = [...document.querySelectorAll('#logs tbody td[data-label="Key"]')].map(
        (td) => td.textContent,
      );
      return keys.length > 0 && keys.every((k) => k === 'team-a');
    });
    await page.fill('input[name=key]', '');
    await page.locator('input[name=key]').dispatchEvent('change');
    await page.locator('td[data-label="Key"]', { hasText: 'master' }).first().waitFor();
    await screenshots(page, 'logs');
  });

  it('paints a mask over a dropped image and gets the edited pictures back', async () => {
    const { page, simB } = world;
    await page.click('nav >> text=Playground');
    const landscape = (await readFile(join(ASSETS, 'landscape.png'))).toString('base64');
    const dropped = await page.evaluateHandle((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'landscape.png', { type: 'image/png' }));
      return transfer;
    }, landscape);
    await page.dispatchEvent('#dropzone', 'drop', { dataTransfer: dropped });
    await page.setInputFiles('#image-input', join(ASSETS, 'balloon.png'));
    await page.locator('.thumbs li').nth(1).waitFor();

    // Impossible choices are not offered: dall-e-2 takes one image and none of gpt-image-2's wide sizes.
    await page.selectOption('#model', 'dall-e-2');
    expect(await page.locator('#size option').allTextContents()).not.toContain('1536x1024');
    expect(await page.locator('#run').isDisabled()).toBe(true);
    await page.selectOption('#model', 'gpt-image-2');
    expect(await page.locator('#size option').allTextContents()).toContain('1536x1024');

    // Paint the upper band, then erase a spot in it.
    const box = await page.locator('#mask-layer').boundingBox();
    if (!box) throw new Error('no mask layer');
    const at = (fx: number, fy: number) => [box.x + box.width * fx, box.y + box.height * fy] as const;
    await page.mouse.move(...at(0.2, 0.25));
    await page.mouse.down();
    await page.mouse.move(...at(0.8, 0.25), { steps: 12 });
    await page.mouse.up();
    await page.click('button:has-text("Eraser")');
    await page.mouse.move(...at(0.5, 0.25));
    await page.mouse.down();
    await page.mouse.move(...at(0.52, 0.25), { steps: 2 });
    await page.mouse.up();
    expect(await page.locator('#mask-status').textContent()).toMatch(
      /^\d+% of the first image will be edited/,
    );

    await page.fill('#prompt', 'Float the balloon over the hills');
    await page.selectOption('#n', '2');
    await page.selectOption('#size', '1024x1024');
    await page.uncheck('#stream'); // the JSON answer here; the next test streams
    await page.click('#run');
    await page.locator('#results .result-image').nth(1).waitFor();
    expect(await page.locator('#results .result-image').count()).toBe(2);
    expect(await page.locator('#result-deployment').textContent()).toBe('openai-b');
    expect(await page.locator('#result-cost').textContent()).toMatch(/^\$\d+\.\d{4}$/);

    // What reached the upstream: both images, and an OpenAI mask — transparent where painted.
    const sent = simB.lastRequest();
    expect(sent.fields?.n).toEqual(['2']);
    expect(sent.fields?.stream).toBeUndefined();
    expect(sent.files?.filter((f) => f.field.startsWith('image')).length).toBe(2);
    const maskFile = sent.files?.find((f) => f.field === 'mask');
    if (!maskFile) throw new Error('no mask was sent');
    const mask = await decodePngPixels(maskFile.bytes);
    expect([mask.width, mask.height]).toEqual([256, 256]);
    const alpha = (fx: number, fy: number) =>
      mask.data[(Math.round(mask.height * fy) * mask.width + Math.round(mask.width * fx)) * 4 + 3];
    expect(alpha(0.3, 0.25)).toBe(0);
    expect(alpha(0.7, 0.25)).toBe(0);
    expect(alpha(0.51, 0.25)).toBe(255);
    expect(alpha(0.5, 0.8)).toBe(255);
    await screenshots(page, 'playground');
  });

  it('streams an edit: partial images are painted as they arrive, then the final one with its cost', async () => {
    const { page, simB } = world;
    // The simulator holds the final image until the test has seen the partials on the page.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    simB.setStreamTiming({ beforeEvent: (index) => (index === 2 ? held : undefined) });
    try {
      await page.selectOption('#n', '1');
      await page.check('#stream');
      await page.selectOption('#partial-images', '2');
      await page.click('#run');
      await page.locator('#results img.partial-image[alt$="partial 2"]').waitFor();
      expect(await page.locator('#results .result-image').count()).toBe(0);
      expect(await page.locator('#results [role=status]').textContent()).toContain(
        '2 partial images, 0 final',
      );
      await page.screenshot({ path: join(SCREENSHOTS, 'playground-streaming-desktop.png'), fullPage: true });
    } finally {
      release();
    }
    // The final image shows as it arrives; the partial goes once the whole answer is in.
    await page.locator('#result-deployment').waitFor();
    expect(await page.locator('#results .result-image').count()).toBe(1);
    expect(await page.locator('#results .partial-image').count()).toBe(0);
    expect(await page.locator('#result-deployment').textContent()).toBe('openai-b');
    expect(await page.locator('#result-cost').textContent()).toMatch(/^\$\d+\.\d{4}$/);
    expect(await page.locator('#results .meta').textContent()).toContain('2 partials');
    const sent = simB.lastRequest();
    expect([sent.fields?.stream, sent.fields?.partial_images]).toEqual([['true'], ['2']]);
    expect(sent.files?.some((f) => f.field === 'mask')).toBe(true);
    simB.setStreamTiming({});
    await screenshots(page, 'playground-streamed');
  });

  it('shows keys with their spend against budget', async () => {
    const { page } = world;
    await page.click('nav >> text=Keys');
    const team = page.locator('tr[data-key-alias="team-a"]');
    await team.waitFor();
    expect(await team.locator('td[data-label="Spend / budget"] .budget-figures').textContent()).toMatch(
      /^\$0\.\d{4} of \$0\.5000$/,
    );
    expect(await team.locator('td[data-label="Model groups"]').textContent()).toBe('gpt-image-2');
  });

  it('creates a key shown once, inspects it, and revokes it: the key then gets 401', async () => {
    const { page } = world;
    const form = page.locator('#create-key');
    await form.locator('input[name=key_alias]').fill('browser-made');
    await form.locator('input[name=models][value="gpt-image-2"]').check();
    await form.locator('input[name=max_budget]').fill('2');
    await form.locator('select[name=budget_duration]').selectOption('30d');
    await form.locator('button[type=submit]').click();
    const shown = page.locator('#new-key');
    await shown.waitFor();
    const key = (await shown.textContent()) ?? '';
    expect(key).toMatch(/^sk-[\w-]{20,}$/);
    await page.click('.created-key button:has-text("Done")');
    expect(await page.content()).not.toContain(key);

    // The key works at once, within its model groups, and its spend shows against its budget.
    expect(await edit(world, key)).toBe(200);
    const row = page.locator('tr[data-key-alias="browser-made"]');
    await row.locator('button:has-text("Inspect")').click();
    const info = page.locator('#key-info');
    await info.waitFor();
    expect(await info.locator('[data-fact="Budget"]').textContent()).toBe('$2.00');
    expect(await info.locator('[data-fact="Budget period"]').textContent()).toBe('30d');
    // With a spend log, the key's spend lands when its row is written (batched): look again until then.
    const spend = info.locator('[data-fact="Spend"]');
    for (let look = 0; look < 50 && (await spend.textContent()) === '$0.0000'; look++) {
      await page.waitForTimeout(100);
      await row.locator('button:has-text("Inspect")').click();
    }
    expect(await spend.textContent()).toMatch(/^\$0\.0\d{3}$/);
    expect(await spend.textContent()).not.toBe('$0.0000');
    await screenshots(page, 'keys');

    await row.locator('button:has-text("Revoke")').click();
    await row.locator('button:has-text("Delete for good")').click();
    await row.waitFor({ state: 'detached' });
    expect(await edit(world, key)).toBe(401);
  });

  it('lets a key created with the admin flag sign in to the console, and no other', async () => {
    const { page, url } = world;
    const form = page.locator('#create-key');
    await form.locator('input[name=key_alias]').fill('browser-admin');
    await form.locator('input[name=admin]').check();
    await form.locator('button[type=submit]').click();
    await page.locator('tr[data-key-alias="browser-admin"] .muted', { hasText: 'admin' }).waitFor();
    const key = (await page.locator('#new-key').textContent()) ?? '';
    // Signing in from outside the browser, so that the page's own session stays the master's.
    const login = (k: string) =>
      fetch(`${url}/ui/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: k }),
      }).then((r) => r.status);
    expect(await login(key)).toBe(200);
    expect(await login(TEAM_KEY)).toBe(403);
    await page.click('.created-key button:has-text("Done")');
  });

  it('shows the same spend after a proxy restart on the same data directory: it is read from the spend log', async () => {
    const { page } = world;
    await page.click('nav >> text=Overview');
    await page.locator('#spend-source', { hasText: 'from the spend log' }).waitFor();
    const today = page.locator('[data-stat="spend-today"]');
    const byDeployment = page.locator('figure.bars', { hasText: 'Spend today by deployment' }).locator('li');
    await byDeployment.first().waitFor();
    const before = await today.textContent();
    expect(before).toMatch(/^\$0\.\d{4}$/);
    expect(before).not.toBe('$0.0000');
    const deploymentsBefore = await byDeployment.allTextContents();
    expect(deploymentsBefore.some((line) => line.startsWith('openai-b$'))).toBe(true);

    await world.restartProxy();
    await page.goto(`${world.url}/ui/`);
    await page.fill('#key', MASTER_KEY);
    await page.click('button[type=submit]');
    await page.locator('[data-stat="spend-today"]').waitFor();
    // A new process: nothing in its memory, yet the spend of every edit above.
    expect(await page.locator('[data-stat="requests"]').textContent()).toBe('0');
    expect(await today.textContent()).toBe(before);
    expect(await byDeployment.allTextContents()).toEqual(deploymentsBefore);
    await screenshots(page, 'overview-after-restart');
  });

  it('signs out', async () => {
    const { page, url } = world;
    await page.click('button:has-text("Sign out")');
    await page.locator('#key').waitFor();
    const response = await page.request.get(`${url}/ui/api/overview`);
    expect(response.status()).toBe(401);
  });
});
