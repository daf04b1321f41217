/**
 * The console's built files, read once at start-up into memory (about 100 KB, gzipped once), and
 * which of them the sign-in page needs — the only files served without a session.
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** One file, ready to send. */
export interface StaticFile {
  body: Buffer;
  /** The gzip encoding, when smaller. */
  gzip?: Buffer;
  type: string;
}

/** The console's files, by their path under `/ui/` (`index.html`, `assets/index-1a2b.js`). */
export interface ConsoleFiles {
  files: ReadonlyMap<string, StaticFile>;
  /** Files the sign-in page loads: served without a session. */
  publicPaths: ReadonlySet<string>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory()) out.push(...(await walk(join(dir, entry.name), `${path}/`)));
    else out.push(path);
  }
  return out;
}

/** `./assets/x.js`, `assets/x.css`, `"./x.js"` references inside an HTML page or a module. */
function references(text: string, from: string): string[] {
  const base = from.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
  const out: string[] = [];
  for (const match of text.matchAll(/["'`(]\.?\/?((?:assets\/)?[\w.-]+\.(?:js|css))["'`)]/g)) {
    const ref = match[1] as string;
    out.push(ref.startsWith('assets/') ? ref : `${base}${ref}`);
  }
  return out;
}

/**
 * Reads a built console folder. Throws when it is missing or has no `index.html` and `login.html`.
 *
 * @example
 * ```ts
 * import { consoleAssetsDir } from '@retouch/proxy-console';
 * const { files, publicPaths } = await loadConsoleFiles(consoleAssetsDir());
 * ```
 */
export async function loadConsoleFiles(dir: string): Promise<ConsoleFiles> {
  const files = new Map<string, StaticFile>();
  for (const path of await walk(dir)) {
    const body = await readFile(join(dir, path));
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    const file: StaticFile = { body, type };
    if (/^(text|application\/json|image\/svg)/.test(type) && body.length > 1024) {
      const gzip = gzipSync(body);
      if (gzip.length < body.length) file.gzip = gzip;
    }
    files.set(path, file);
  }
  if (!files.has('index.html') || !files.has('login.html')) {
    throw new Error(`${dir} has no index.html and login.html: build @retouch/proxy-console`);
  }
  // The sign-in page and everything it loads, transitively (shared chunks and styles).
  const publicPaths = new Set<string>(['login.html']);
  const queue = ['login.html'];
  while (queue.length > 0) {
    const path = queue.pop() as string;
    const file = files.get(path);
    if (!file || !/html|javascript|css/.test(file.type)) continue;
    for (const ref of references(file.body.toString('utf8'), path)) {
      if (files.has(ref) && !publicPaths.has(ref)) {
        publicPaths.add(ref);
        queue.push(ref);
      }
    }
  }
  return { files, publicPaths };
}
