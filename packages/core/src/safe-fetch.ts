/**
 * The one way retouch downloads a URL it was handed (an input image, a provider's result URL):
 * http(s) only, every resolved address checked against private, loopback and link-local ranges at
 * connect time (so DNS rebinding cannot slip past), redirects re-checked, size and time bounded.
 * @module
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { isTimeoutReason, startDeadline } from './deadline.js';
import { APIUserAbortError, BadRequestError, TimeoutError } from './errors.js';

/** Options of {@link safeFetchBytes}. */
export interface SafeFetchOptions {
  /** Largest body accepted, in bytes. Defaults to 50 MiB. */
  maxBytes?: number;
  /** Whole-download deadline in milliseconds. Defaults to 30 000. */
  timeoutMs?: number;
  /** Redirects followed, each re-checked. Defaults to 3. */
  maxRedirects?: number;
  /** Allow private, loopback and link-local targets (tests, trusted networks). Defaults to false. */
  allowPrivateNetwork?: boolean;
  /** When set, only these host names (exact, or `*.suffix`) may be contacted. */
  allowedHosts?: readonly string[];
  /** Cancels the download. */
  signal?: AbortSignal;
  /** Request field named in errors. Defaults to `image`. */
  param?: string;
}

/** A downloaded body. */
export interface FetchedBytes {
  bytes: Uint8Array;
  contentType: string | undefined;
  finalUrl: string;
}

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/**
 * Whether an IP address is private, loopback, link-local, reserved or multicast (IPv4-mapped IPv6
 * addresses are judged as their IPv4 address).
 *
 * @example
 * ```ts
 * isPrivateAddress('169.254.169.254'); // true
 * isPrivateAddress('8.8.8.8'); // false
 * ```
 */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return isPrivateAddress(mapped[1]);
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function hostAllowed(host: string, allowedHosts: readonly string[] | undefined): boolean {
  if (!allowedHosts) return true;
  const h = host.toLowerCase();
  return allowedHosts.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.startsWith('*.') ? h.endsWith(p.slice(1)) : h === p;
  });
}

function guardedLookup(allowPrivate: boolean, param: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const bad = list.find((a) => !allowPrivate && isPrivateAddress(a.address));
      if (bad || list.length === 0) {
        const refusal = new BadRequestError({
          message: `${param}: refusing to fetch ${hostname}: it resolves to a private, loopback or link-local address. Send the image bytes or a data: URL instead.`,
          param,
          code: 'invalid_image_url',
        });
        return callback(refusal as unknown as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return callback(null, list as unknown as string, 0);
      const first = list[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

function checkUrl(url: URL, options: SafeFetchOptions, param: string): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BadRequestError({
      message: `${param}: only http(s) URLs can be fetched, not ${url.protocol}`,
      param,
      code: 'invalid_image_url',
    });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!hostAllowed(host, options.allowedHosts)) {
    throw new BadRequestError({
      message: `${param}: host ${host} is not one this download may use`,
      param,
      code: 'invalid_image_url',
    });
  }
  if (isIP(host) && !options.allowPrivateNetwork && isPrivateAddress(host)) {
    throw new BadRequestError({
      message: `${param}: refusing to fetch ${host}: private, loopback and link-local addresses are not allowed. Send the image bytes or a data: URL instead.`,
      param,
      code: 'invalid_image_url',
    });
  }
}

/**
 * Downloads a URL with the SSRF guard described in the module docs.
 *
 * @example
 * ```ts
 * const { bytes, contentType } = await safeFetchBytes('https://example.com/cat.png', { maxBytes: 5e6 });
 * ```
 */
export async function safeFetchBytes(input: string, options: SafeFetchOptions = {}): Promise<FetchedBytes> {
  const call = startDeadline({ timeoutMs: options.timeoutMs ?? 30_000, signals: [options.signal] });
  try {
    return await download(input, options, call.signal);
  } finally {
    call.dispose();
  }
}

async function download(
  input: string,
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<FetchedBytes> {
  const param = options.param ?? 'image';
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new BadRequestError({ message: `${param}: not a valid URL`, param, code: 'invalid_image_url' });
  }
  const maxRedirects = options.maxRedirects ?? 3;
  for (let hop = 0; ; hop++) {
    checkUrl(url, options, param);
    const response = await requestOnce(url, options, param, signal);
    if (response.redirect) {
      if (hop >= maxRedirects) {
        throw new BadRequestError({
          message: `${param}: too many redirects`,
          param,
          code: 'invalid_image_url',
        });
      }
      url = new URL(response.redirect, url);
      continue;
    }
    return {
      bytes: response.bytes ?? new Uint8Array(),
      contentType: response.contentType,
      finalUrl: url.href,
    };
  }
}

interface RawResponse {
  redirect?: string;
  bytes?: Uint8Array;
  contentType?: string;
}

function requestOnce(
  url: URL,
  options: SafeFetchOptions,
  param: string,
  signal: AbortSignal,
): Promise<RawResponse> {
  const maxBytes = options.maxBytes ?? 50 * 1024 * 1024;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<RawResponse>((resolve, reject) => {
    const fail = (error: unknown) => {
      if (signal.aborted) {
        const reason = signal.reason as { name?: string } | undefined;
        return reject(
          isTimeoutReason(reason)
            ? new TimeoutError({
                message: `${param}: download timed out${reason && 'message' in reason ? ` (${(reason as Error).message})` : ''}`,
                param,
              })
            : new APIUserAbortError({ message: 'Request was aborted.', cause: reason }),
        );
      }
      if (error instanceof BadRequestError) return reject(error);
      const message = error instanceof Error ? error.message : String(error);
      reject(
        new BadRequestError({
          message: `${param}: could not download ${url.host}: ${message}`,
          param,
          code: 'failed_to_download_image',
        }),
      );
    };
    const request = transport.get(
      url,
      {
        lookup: guardedLookup(options.allowPrivateNetwork ?? false, param),
        signal,
        headers: { accept: 'image/*' },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && response.headers.location) {
          response.resume();
          return resolve({ redirect: response.headers.location });
        }
        if (status !== 200) {
          response.resume();
          return fail(new Error(`HTTP ${status}`));
        }
        const declared = Number(response.headers['content-length'] ?? 0);
        if (declared > maxBytes) {
          response.destroy();
          return reject(tooLarge(param, maxBytes));
        }
        const chunks: Buffer[] = [];
        let total = 0;
        response.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > maxBytes) {
            response.destroy();
            reject(tooLarge(param, maxBytes));
          } else chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({ bytes: Buffer.concat(chunks, total), contentType: response.headers['content-type'] }),
        );
        response.on('error', fail);
      },
    );
    request.on('error', fail);
  });
}

function tooLarge(param: string, maxBytes: number): BadRequestError {
  return new BadRequestError({
    message: `${param}: the download is larger than ${maxBytes} bytes`,
    param,
    code: 'image_file_too_large',
    status: 413,
  });
}
