/**
 * Random access to bytes that may be in pieces (an upload as it arrived from the socket), so that
 * headers can be checked without joining the pieces first.
 * @module
 */

/** Bytes to read headers from: one array, or pieces read in order. */
export interface ByteSource {
  readonly length: number;
  /** The byte at `offset` (0 past the end). */
  at(offset: number): number;
  /** Big-endian unsigned 16 bits at `offset`; `littleEndian` for little-endian. */
  u16(offset: number, littleEndian?: boolean): number;
  /** Big-endian unsigned 32 bits at `offset`. */
  u32(offset: number): number;
  /** `length` bytes from `offset` as Latin-1 text (chunk types, signatures). */
  ascii(offset: number, length: number): string;
}

/**
 * A {@link ByteSource} over one array or its pieces (none of them copied).
 *
 * @example
 * ```ts
 * const source = byteSource([head, rest]);
 * source.u32(16); // a PNG's width, wherever the pieces split
 * ```
 */
export function byteSource(bytes: Uint8Array | readonly Uint8Array[]): ByteSource {
  if (bytes instanceof Uint8Array) return new SingleSource(bytes);
  const pieces = bytes.filter((piece) => piece.byteLength > 0);
  return pieces.length === 1 ? new SingleSource(pieces[0] as Uint8Array) : new PieceSource(pieces);
}

class SingleSource implements ByteSource {
  readonly length: number;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.length = bytes.byteLength;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  at(offset: number): number {
    return this.#bytes[offset] ?? 0;
  }
  u16(offset: number, littleEndian = false): number {
    return offset + 2 <= this.length ? this.#view.getUint16(offset, littleEndian) : 0;
  }
  u32(offset: number): number {
    return offset + 4 <= this.length ? this.#view.getUint32(offset) : 0;
  }
  ascii(offset: number, length: number): string {
    let text = '';
    for (let i = offset; i < offset + length; i++) text += String.fromCharCode(this.at(i));
    return text;
  }
}

class PieceSource implements ByteSource {
  readonly length: number;
  readonly #pieces: readonly Uint8Array[];
  /** Where each piece starts. */
  readonly #starts: number[];
  /** The piece the last read was in: header walks read mostly forward. */
  #last = 0;
  constructor(pieces: readonly Uint8Array[]) {
    this.#pieces = pieces;
    this.#starts = [];
    let length = 0;
    for (const piece of pieces) {
      this.#starts.push(length);
      length += piece.byteLength;
    }
    this.length = length;
  }
  at(offset: number): number {
    if (offset < 0 || offset >= this.length) return 0;
    let i = this.#last;
    const starts = this.#starts;
    if (offset < (starts[i] as number)) i = 0;
    while (i + 1 < starts.length && offset >= (starts[i + 1] as number)) i++;
    this.#last = i;
    return (this.#pieces[i] as Uint8Array)[offset - (starts[i] as number)] ?? 0;
  }
  u16(offset: number, littleEndian = false): number {
    if (offset + 2 > this.length) return 0;
    const a = this.at(offset);
    const b = this.at(offset + 1);
    return littleEndian ? a | (b << 8) : (a << 8) | b;
  }
  u32(offset: number): number {
    if (offset + 4 > this.length) return 0;
    return (
      ((this.at(offset) << 24) |
        (this.at(offset + 1) << 16) |
        (this.at(offset + 2) << 8) |
        this.at(offset + 3)) >>>
      0
    );
  }
  ascii(offset: number, length: number): string {
    let text = '';
    for (let i = offset; i < offset + length; i++) text += String.fromCharCode(this.at(i));
    return text;
  }
}
