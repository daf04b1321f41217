/**
 * Byte counts as people read them in messages: whole units where they are whole, two decimals at
 * most otherwise, never rounded to a unit that says nothing ("larger than 0 MiB").
 * @module
 */

const KIB = 1024;
const MIB = 1024 * 1024;

function inUnit(bytes: number, unit: number, name: string): string {
  return `${Number((bytes / unit).toFixed(2))} ${name}`;
}

/**
 * A byte count in MiB, KiB or bytes.
 *
 * @example
 * ```ts
 * formatBytes(50 * 1024 * 1024); // '50 MiB'
 * formatBytes(20_000_000); // '19.07 MiB'
 * formatBytes(512 * 1024); // '512 KiB'
 * formatBytes(900); // '900 bytes'
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes >= MIB) return inUnit(bytes, MIB, 'MiB');
  if (bytes >= KIB) return inUnit(bytes, KIB, 'KiB');
  return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
}

/**
 * A limit and a count over it, each as {@link formatBytes} writes it, unless the two would read the
 * same ("up to 50 MiB; this one is 50 MiB"): then both in bytes.
 *
 * @example
 * ```ts
 * formatBytesBeside(50 * 1024 * 1024, 50 * 1024 * 1024 + 10); // ['52428800 bytes', '52428810 bytes']
 * formatBytesBeside(4 * 1024 * 1024, 6 * 1024 * 1024); // ['4 MiB', '6 MiB']
 * ```
 */
export function formatBytesBeside(limit: number, actual: number): [string, string] {
  const pair: [string, string] = [formatBytes(limit), formatBytes(actual)];
  return pair[0] === pair[1] ? [`${limit} bytes`, `${actual} bytes`] : pair;
}
