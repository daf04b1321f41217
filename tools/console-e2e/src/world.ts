/**
 * The world the browser tests run in: two OpenAI simulators, a real proxy over them (one model
 * group of two deployments, so one can cool down while the other serves) with an embedded
 * database in a temporary data directory (the key API and spend logs; a restarted proxy finds
 * them again), and Debian's Chromium driven by playwright-core — never a downloaded browser.
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProxyServer, parseConfig, type ProxyServer } from '@retouch/proxy';
import { type Simulator, startOpenAISimulator } from '@retouch/testing';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const MASTER_KEY = 'sk-e2e-master-0000';
export const TEAM_KEY = 'sk-e2e-team-a-1111';
const UPSTREAM_KEY = 'sk-e2e-upstream';

/** The flags every launch uses: headless, and no network of its own (this machine has none). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the tests write their screenshots (ignored by git). */
export const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));
/** The demo's pictures. */
export const ASSETS = fileURLToPath(new URL('../../../examples/assets/', import.meta.url));

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** A running world. */
export interface World {
  simA: Simulator;
  simB: Simulator;
  proxy: ProxyServer;
  url: string;
  browser: BrowserContext;
  page: Page;
  /** Stops the proxy and starts a new one on the same config and data directory (a new port: `url` changes). */
  restartProxy(): Promise<void>;
  close(): Promise<void>;
}

function configText(a: Simulator, b: Simulator): string {
  // dall-e-2 (shut down 2026-05-12) stays as the model of few capabilities, sent anyway.
  const deployment = (group: string, model: string, sim: Simulator, id: string) => `  - model_name: ${group}
    litellm_params:
      model: ${model}
      api_key: os.environ/E2E_UPSTREAM_KEY
      api_base: ${sim.url}/v1
    model_info:
      id: ${id}
${model === 'dall-e-2' ? '      allow_retired: true\n' : ''}`;
  return `model_list:
${deployment('gpt-image-2', 'gpt-image-2', a, 'openai-a')}${deployment('gpt-image-2', 'gpt-image-2', b, 'openai-b')}${deployment('dall-e-2', 'dall-e-2', b, 'dalle-b')}
router_settings:
  num_retries: 0
  allowed_fails: 1
  cooldown_time: 900
general_settings:
  master_key: ${MASTER_KEY}
  keys:
    - key: ${TEAM_KEY}
      key_alias: team-a
      models: [gpt-image-2]
      max_budget: 0.5
`;
}

/** Whether this machine has the browser (CI installs it; elsewhere the tests say how). */
export const haveChromium = existsSync(CHROMIUM);

/**
 * Starts the simulators, the proxy and Chromium.
 *
 * @example
 * ```ts
 * const world = await startWorld();
 * await world.page.goto(`${world.url}/ui/`);
 * await world.close();
 * ```
 */
export async function startWorld(): Promise<World> {
  const simA = await startOpenAISimulator({ apiKey: UPSTREAM_KEY });
  const simB = await startOpenAISimulator({ apiKey: UPSTREAM_KEY });
  const config = parseConfig(configText(simA, simB), { env: { E2E_UPSTREAM_KEY: UPSTREAM_KEY } });
  // Keys, budgets and spend logs in an embedded database on disk: the key API is served, and a
  // restarted proxy reads the same spend log.
  const dataDir = await mkdtemp(join(tmpdir(), 'retouch-e2e-data-'));
  const startProxy = async () => {
    const proxy = await createProxyServer({ config, logger: false, store: { dataDir } });
    return { proxy, url: await proxy.listen({ port: 0, host: '127.0.0.1' }) };
  };
  const { proxy, url } = await startProxy();
  const profile = await mkdtemp(join(tmpdir(), 'retouch-chromium-'));
  await mkdir(SCREENSHOTS, { recursive: true });
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: DESKTOP,
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const world: World = {
    simA,
    simB,
    proxy,
    url,
    browser,
    page,
    async restartProxy() {
      // Closing writes the queued spend rows and closes the database, as a stopped process does.
      await world.proxy.close();
      Object.assign(world, await startProxy());
    },
    async close() {
      await browser.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
      await world.proxy.close();
      await rm(dataDir, { recursive: true, force: true });
      await simA.close();
      await simB.close();
    },
  };
  return world;
}

/** How much wider than the window the page and its body are, and the nav links that cannot be clicked. */
async function layoutProblems(page: Page) {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const unreachable = [...document.querySelectorAll<HTMLAnchorElement>('header nav a')]
      .filter((a) => {
        const box = a.getBoundingClientRect();
        const x = box.left + box.width / 2;
        const y = box.top + box.height / 2;
        // On screen, and the link itself is what a tap at its centre hits.
        return (
          box.width === 0 || box.left < 0 || box.right > width || !a.contains(document.elementFromPoint(x, y))
        );
      })
      .map((a) => a.textContent);
    return {
      page: document.documentElement.scrollWidth - width,
      body: document.body.scrollWidth - width,
      unreachable,
    };
  });
}

/**
 * Screenshots of the page as it is, at 1280×800 and at phone width (`<name>-desktop.png`,
 * `<name>-phone.png`); at both, the page and its body are no wider than the window and every nav
 * link (when the page has the nav) can be tapped.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  const desktop = await layoutProblems(page);
  await page.setViewportSize(PHONE);
  // Charts follow their container's width through a ResizeObserver: let them redraw.
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  const phone = await layoutProblems(page);
  await page.setViewportSize(DESKTOP);
  for (const [screen, found] of [
    [`${DESKTOP.width}px`, desktop],
    [`${PHONE.width}px phone`, phone],
  ] as const) {
    if (found.page > 1 || found.body > 1)
      throw new Error(
        `${name}: on a ${screen} screen the page is ${found.page}px and its body ${found.body}px wider than the window`,
      );
    if (found.unreachable.length > 0)
      throw new Error(
        `${name}: on a ${screen} screen these nav links cannot be tapped: ${found.unreachable}`,
      );
  }
}
