/**
 * The one way retouch downloads a URL it was handed (an input image, a provider's result URL):
 * http(s) only, every resolved address checked at connect time (so DNS rebinding cannot slip past)
 * to be global unicast by ipaddr.js's ranges, IPv6 forms that embed an IPv4 address judged by that
 * address, every redirect hop re-checked, size and time bounded.
 * @module
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { isTimeoutReason, startDeadline } from './deadline.js';
import { APIUserAbortError, BadRequestError, TimeoutError } from './errors.js';
import { formatBytes } from './format-bytes.js';

/** Options of {@link safeFetchBytes}. */
export interface SafeFetchOptions {
  /** Largest body accepted, in bytes. Defaults to 50 MiB. */
  maxBytes?: number;
  /** Whole-download deadline in milliseconds. Defaults to 30 000. */
  timeoutMs?: number;
  /** Redirects followed, each re-checked. Defaults to 3. */
  maxRedirects?: number;
  /**
   * Allow private, loopback and link-local targets: `true` for any (tests), or the CIDR ranges of
   * trusted networks (`['10.1.0.0/16']`) for only those. Defaults to false.
   */
  allowPrivateNetwork?: boolean | readonly string[];
  /** Resolves host names (a custom resolver). Defaults to `dns.lookup`; every address it gives is checked. */
  lookup?: typeof dnsLookup;
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

/** IPv6 ranges refused outright, besides every ipaddr.js range other than `unicast`. */
const REFUSED_IPV6: readonly (readonly [ipaddr.IPv6, number])[] = [
  // IPv4-compatible (deprecated): some stacks still route `::7f00:1` to 127.0.0.1.
  [ipaddr.IPv6.parse('::'), 96],
  // Site-local (deprecated, still routed inside some networks).
  [ipaddr.IPv6.parse('fec0::'), 10],
  // Local-use NAT64 (RFC 8215): translates to whatever the local network chooses.
  [ipaddr.IPv6.parse('64:ff9b:1::'), 48],
  // Teredo carries a client's (obfuscated) IPv4 address: no telling where it leads.
  [ipaddr.IPv6.parse('2001::'), 32],
];

function ipv4Of(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** The IPv4 address an IPv6 address stands for (mapped, translated, NAT64, 6to4), if any. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const parts = address.parts;
  const range = address.range();
  // ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (translated, RFC 6145), 64:ff9b::a.b.c.d (NAT64, RFC 6052).
  if (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052') {
    return ipv4Of(parts[6] ?? 0, parts[7] ?? 0);
  }
  // 2002:AABB:CCDD::/48 (6to4) carries AA.BB.CC.DD.
  if (range === '6to4') return ipv4Of(parts[1] ?? 0, parts[2] ?? 0);
  return undefined;
}

function blocked(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.kind() === 'ipv4') return address.range() !== 'unicast';
  const v6 = address as ipaddr.IPv6;
  if (REFUSED_IPV6.some(([range, bits]) => v6.match(range, bits))) return true;
  const embedded = embeddedIPv4(v6);
  if (embedded) return blocked(embedded);
  return v6.range() !== 'unicast';
}

/**
 * Whether an IP address must not be fetched: anything but global unicast. Judged by ipaddr.js's
 * ranges (private, loopback, link-local, carrier-grade NAT, reserved, documentation, benchmarking,
 * multicast, broadcast, unspecified, unique-local…); IPv6 forms that carry an IPv4 address
 * (`::ffff:7f00:1`, `::ffff:0:7f00:1`, `64:ff9b::7f00:1`, `2002:7f00:1::`) are judged by that IPv4
 * address; IPv4-compatible (`::7f00:1`), site-local (`fec0::/10`), local-use NAT64 and Teredo
 * addresses are refused outright. Anything that is not an IP address counts as private.
 *
 * @example
 * ```ts
 * isPrivateAddress('169.254.169.254'); // true
 * isPrivateAddress('2002:7f00:1::'); // true (6to4 of 127.0.0.1)
 * isPrivateAddress('8.8.8.8'); // false
 * ```
 */
export function isPrivateAddress(address: string): boolean {
  if (!ipaddr.isValid(address) || isIP(address) === 0) return true;
  return blocked(ipaddr.parse(address));
}

function hostAllowed(host: string, allowedHosts: readonly string[] | undefined): boolean {
  if (!allowedHosts) return true;
  const h = host.toLowerCase();
  return allowedHosts.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.startsWith('*.') ? h.endsWith(p.slice(1)) : h === p;
  });
}

function isCidr(text: string): boolean {
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

/** Whether `address` may be contacted under `allowPrivateNetwork`. */
function addressAllowed(address: string, allow: SafeFetchOptions['allowPrivateNetwork']): boolean {
  if (allow === true || !isPrivateAddress(address)) return true;
  if (!allow || !ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  return allow.some((cidr) => {
    const [range, bits] = ipaddr.parseCIDR(cidr);
    return range.kind() === parsed.kind() && parsed.match(range, bits);
  });
}

function guardedLookup(options: SafeFetchOptions, param: string): LookupFunction {
  const resolve = options.lookup ?? dnsLookup;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      // Every address, not only the first: the connection may go to any of them.
      const bad = list.find((a) => !addressAllowed(a.address, options.allowPrivateNetwork));
      if (bad || list.length === 0) {
        const refusal = new BadRequestError({
          message: `${param}: refusing to fetch ${hostname}: it resolves to a private, loopback or link-local address. Send the image bytes or a data: URL instead.`,
          param,
          code: 'invalid_image_url',
        });
        return callback(refusal as unknown as NodeJS.ErrnoException, '', 0);
      }
      if (lookupOptions.all) return callback(null, list as unknown as string, 0);
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
  if (isIP(host) && !addressAllowed(host, options.allowPrivateNetwork)) {
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
  const trusted = options.allowPrivateNetwork;
  const invalid = Array.isArray(trusted) ? trusted.find((cidr) => !isCidr(cidr)) : undefined;
  // The operator's mistake, not the caller's: a plain error (a 500 naming the setting).
  if (invalid !== undefined) throw new Error(`allowPrivateNetwork: "${invalid}" is not a CIDR range`);
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
        lookup: guardedLookup(options, param),
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
    message: `${param}: the download is larger than ${formatBytes(maxBytes)}`,
    param,
    code: 'image_file_too_large',
    status: 413,
  });
}
