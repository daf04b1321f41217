import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Warnings } from '../config/config-parts.js';
import { parseImageUrlSettings } from './settings.js';
import {
  checkImageSignature,
  mediaTypeOfFileName,
  newImageFileName,
  signedImagePath,
  signingKey,
} from './signing.js';
import { createDiskImageStore, createMemoryImageStore } from './stores.js';

const png = (size: number) => ({ bytes: new Uint8Array(size).fill(7), mediaType: 'image/png' });
const name = (n: number) => `${String(n).padStart(22, 'a')}.png`;

describe('signed image paths', () => {
  const key = Buffer.alloc(32, 1);
  const file = newImageFileName('image/webp');
  const query = (path: string) => Object.fromEntries(new URL(path, 'http://x').searchParams);

  it('names files with 128 random bits and the image type, and reads the type back', () => {
    expect(file).toMatch(/^[A-Za-z0-9_-]{22}\.webp$/);
    expect(newImageFileName('image/webp')).not.toBe(file);
    expect(mediaTypeOfFileName(file)).toBe('image/webp');
    for (const bad of ['../etc/passwd', `${file}.exe`, 'short.png', `${file.slice(0, -5)}.svg`]) {
      expect(mediaTypeOfFileName(bad)).toBeUndefined();
    }
  });

  it('accepts its own signature until the expiry, and nothing changed', () => {
    const expires = 2_000_000_000;
    const path = signedImagePath(key, file, expires);
    expect(path).toMatch(new RegExp(`^/v1/images/files/${file}\\?expires=2000000000&sig=[A-Za-z0-9_-]{43}$`));
    const q = query(path);
    expect(checkImageSignature(key, file, q, expires * 1000 - 1)).toBeUndefined();
    expect(checkImageSignature(key, file, q, expires * 1000)).toBe('expired');
    expect(checkImageSignature(key, file, { ...q, expires: String(expires + 1) }, 0)).toBe('invalid');
    expect(checkImageSignature(key, newImageFileName('image/webp'), q, 0)).toBe('invalid');
    expect(checkImageSignature(Buffer.alloc(32, 2), file, q, 0)).toBe('invalid');
    expect(checkImageSignature(key, file, { expires: q.expires }, 0)).toBe('invalid');
    expect(checkImageSignature(key, file, { ...q, sig: `${q.sig}A` }, 0)).toBe('invalid');
    expect(checkImageSignature(key, file, { ...q, expires: '1e12' }, 0)).toBe('invalid');
  });

  it('derives the key from the master key (every instance alike, the master key not recoverable), else random', () => {
    const a = signingKey({ masterKey: 'sk-master-1234' });
    expect(a).toEqual({ key: signingKey({ masterKey: 'sk-master-1234' }).key, source: 'master_key' });
    expect(a.key.toString('utf8')).not.toContain('sk-master');
    expect(signingKey({ signingKey: 'a-signing-key-of-32-characters!!', masterKey: 'x' }).source).toBe(
      'signing_key',
    );
    const random = signingKey({});
    expect(random.source).toBe('random');
    expect(random.key.equals(signingKey({}).key)).toBe(false);
  });
});

describe('memory store', () => {
  it('keeps at most max bytes, dropping the oldest first', async () => {
    const store = createMemoryImageStore({ maxBytes: 100 });
    const later = Date.now() + 60_000;
    for (let i = 1; i <= 3; i++) expect(await store.put(name(i), png(40), later)).toBe(true);
    expect(store.bytes).toBe(80);
    expect(await store.get(name(1))).toBeUndefined();
    expect((await store.get(name(2)))?.bytes.byteLength).toBe(40);
    expect((await store.get(name(3)))?.mediaType).toBe('image/png');
    // Larger than the whole store: refused, nothing dropped for it.
    expect(await store.put(name(4), png(101), later)).toBe(false);
    expect(store.size).toBe(2);
  });

  it('forgets an image at its expiry', async () => {
    let now = 1_000_000;
    const store = createMemoryImageStore({ maxBytes: 100, now: () => now });
    await store.put(name(1), png(10), now + 1000);
    await store.put(name(2), png(10), now + 2000);
    now += 1000;
    expect(await store.get(name(1))).toBeUndefined();
    expect(await store.get(name(2))).toBeDefined();
    expect(store.bytes).toBe(10);
  });
});

describe('disk store', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'retouch-disk-store-'));
    dirs.push(dir);
    return join(dir, 'images');
  };

  it('writes whole files (mode 0600) whose modification time is the expiry, readable by another store on the same directory', async () => {
    const dir = tempDir();
    const writer = await createDiskImageStore({ dir, mediaTypeOf: mediaTypeOfFileName });
    const reader = await createDiskImageStore({ dir, mediaTypeOf: mediaTypeOfFileName });
    const expiresAt = Date.now() + 3_600_000;
    await writer.put(name(1), png(64), expiresAt);
    expect(readdirSync(dir)).toEqual([name(1)]);
    const info = statSync(join(dir, name(1)));
    expect(Math.abs(info.mtimeMs - expiresAt)).toBeLessThan(1000);
    expect(info.mode & 0o777).toBe(0o600);
    expect((await reader.get(name(1)))?.bytes).toEqual(Buffer.from(png(64).bytes));
    expect(await reader.get(name(2))).toBeUndefined();
    await Promise.all([writer.close(), reader.close()]);
  });

  it('treats expired files as gone and sweeps them, with partial writes that died, but nothing else', async () => {
    let now = Date.now();
    const dir = tempDir();
    const store = await createDiskImageStore({ dir, mediaTypeOf: mediaTypeOfFileName, now: () => now });
    await store.put(name(1), png(8), now + 1000);
    await store.put(name(2), png(8), now + 5000);
    writeFileSync(join(dir, `${name(3)}.partial-0123abcd`), 'half');
    writeFileSync(join(dir, 'README.txt'), 'not ours');
    now += 2000;
    expect(await store.get(name(1))).toBeUndefined();
    now += 3_600_000;
    expect(await store.sweep()).toBe(3);
    expect(readdirSync(dir)).toEqual(['README.txt']);
    await store.close();
  });
});

describe('general_settings.image_urls', () => {
  const parse = (value: unknown, env: Record<string, string> = {}) => {
    const warnings = new Warnings();
    const result = parseImageUrlSettings(value, { warnings, baseDir: '/srv/retouch', env });
    return { ...result, warnings: warnings.issues() };
  };

  it('defaults to the memory store, one hour, 256 MB, URLs on the request origin or PROXY_BASE_URL', () => {
    expect(parse(undefined).settings).toEqual({
      store: 'memory',
      ttlMs: 3_600_000,
      baseUrl: undefined,
      signingKey: undefined,
      maxMemoryBytes: 256 * 1024 * 1024,
      dir: '/srv/retouch/.retouch/images',
      s3: undefined,
    });
    expect(parse(undefined, { PROXY_BASE_URL: 'https://edit.example.com/' }).settings?.baseUrl).toBe(
      'https://edit.example.com',
    );
  });

  it('reads numbers and flags from os.environ strings, and s3 implies store s3', () => {
    const { settings } = parse({
      ttl_seconds: '600',
      s3: { bucket: 'b', endpoint: 'http://127.0.0.1:9000/', force_path_style: 'true' },
    });
    expect(settings).toMatchObject({
      store: 's3',
      ttlMs: 600_000,
      s3: { bucket: 'b', prefix: 'retouch-images/', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
    });
  });

  it('names the key of every problem, and warns about unknown keys', () => {
    expect(parse({ store: 'redis' }).issues[0]?.path).toBe('general_settings.image_urls.store');
    expect(parse({ ttl_seconds: 0 }).issues[0]?.path).toBe('general_settings.image_urls.ttl_seconds');
    expect(parse({ ttl_seconds: 604_801 }).issues[0]?.message).toBe('at most 604800 (7 days)');
    expect(parse({ store: 's3' }).issues[0]).toEqual({
      path: 'general_settings.image_urls.s3',
      message: 'required for store: s3 (bucket, …)',
    });
    expect(parse({ s3: { bucket: 'b', access_key_id: 'AKIA' } }).issues[0]?.message).toBe(
      'access_key_id and secret_access_key go together',
    );
    expect(parse({ base_url: 'ftp://x' }).issues[0]?.path).toBe('general_settings.image_urls.base_url');
    expect(parse({ signing_key: 'short' }).issues[0]?.message).toBe('at least 16 characters');
    expect(parse({ ttl: 60, s3: { bucket: 'b', regoin: 'eu' } }).warnings.map((w) => w.path)).toEqual([
      'general_settings.image_urls.ttl',
      'general_settings.image_urls.s3.regoin',
    ]);
  });
});
