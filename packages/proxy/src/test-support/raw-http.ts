/**
 * Test support (not built, not exported): HTTP over a raw loopback socket, for requests no HTTP
 * client would send (slow, endless, broken framing).
 * @module
 */
import { connect, type Socket } from 'node:net';

/** What came back on a raw connection. */
export interface RawExchange {
  /** The status line's code, or undefined when nothing came back. */
  status?: number;
  headers: Record<string, string>;
  /** The body text (after the blank line). */
  body: string;
  /** Bytes this side managed to write before the server closed. */
  written: number;
  /** Milliseconds from connecting to the server's close. */
  closedAfterMs: number;
}

/** What a sender gets: write, whether the server closed, and a wait for the write buffer to empty. */
export interface RawIO {
  write(chunk: string | Buffer): boolean;
  closed(): boolean;
  /** Resolves once what was written has gone out (or the connection closed). */
  drained(): Promise<void>;
  /** Hangs up (as a client that goes away). */
  destroy(): void;
}

/**
 * Opens a socket to `url`, lets `send` write to it (it may keep writing: it is told to stop once the
 * server closes), and resolves with what came back once the server closed the connection.
 */
export function rawExchange(
  url: string,
  send: (io: RawIO) => Promise<void> | void,
  options: { maxMs?: number } = {},
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    let written = 0;
    let closed = false;
    const limit = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close the connection within ${options.maxMs ?? 30_000} ms`));
    }, options.maxMs ?? 30_000);
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      clearTimeout(limit);
      const text = Buffer.concat(received).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split >= 0 ? text.slice(0, split) : text;
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]);
      resolve({
        status: Number.isFinite(status) ? status : undefined,
        headers,
        body: split >= 0 ? text.slice(split + 4) : '',
        written,
        closedAfterMs: Date.now() - started,
      });
    });
    socket.once('connect', () => {
      const write = (chunk: string | Buffer) => {
        if (closed || socket.destroyed || !socket.writable) return false;
        written += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        return socket.write(chunk);
      };
      const drained = () =>
        new Promise<void>((done) => {
          if (closed || socket.destroyed || socket.writableLength === 0) return done();
          const finish = () => {
            socket.off('drain', finish);
            socket.off('close', finish);
            done();
          };
          socket.once('drain', finish);
          socket.once('close', finish);
        });
      Promise.resolve(
        send({ write, closed: () => closed || socket.destroyed, drained, destroy: () => socket.destroy() }),
      ).catch(() => {});
    });
  });
}

/** Waits `ms`. */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `total` bytes in 64 KiB pieces as fast as the server reads them (chunked encoding when `chunked`). */
export async function flood(
  io: RawIO,
  total: number,
  options: { chunked?: boolean; byte?: number } = {},
): Promise<void> {
  const piece = Buffer.alloc(64 * 1024, options.byte ?? 0x41);
  for (let sent = 0; sent < total && !io.closed(); sent += piece.length) {
    const ok = options.chunked
      ? io.write(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]))
      : io.write(piece);
    if (!ok) await io.drained();
  }
}
