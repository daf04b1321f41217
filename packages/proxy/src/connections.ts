/**
 * Graceful shutdown of the proxy's own sockets. Node's `server.close()` waits for every open
 * connection; one that carries no request (a client's spare keep-alive socket, or a socket a client
 * opened after aborting a call) would hold shutdown until Node's header timeout. Tracking requests
 * per socket lets `close()` end the idle ones at once and the busy ones as soon as their answer is
 * written.
 * @module
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** The sockets of a server, with their requests in flight. */
export interface ConnectionTracker {
  /** Ends idle sockets now and busy ones after their answer; call when shutdown begins. */
  drain(): void;
  /** Destroys every socket left (the end of the shutdown grace period). */
  destroyAll(): void;
}

/**
 * Starts tracking `server`'s sockets.
 *
 * @example
 * ```ts
 * const connections = trackConnections(app.server);
 * // on shutdown:
 * connections.drain();
 * await app.close();
 * ```
 */
export function trackConnections(server: Server): ConnectionTracker {
  const busy = new Map<Socket, number>();
  let draining = false;
  const release = (socket: Socket) => {
    // Flushes what was written, then closes; destroyed if the client does not close its side soon.
    socket.end();
    setTimeout(() => socket.destroy(), 1_000).unref();
  };
  server.on('connection', (socket: Socket) => {
    busy.set(socket, 0);
    socket.once('close', () => busy.delete(socket));
    if (draining) release(socket);
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (busy.get(socket) ?? 1) - 1;
      busy.set(socket, left);
      if (draining && left === 0) release(socket);
    });
  });
  return {
    drain() {
      draining = true;
      for (const [socket, count] of busy) if (count === 0) socket.destroy();
    },
    destroyAll() {
      for (const socket of busy.keys()) socket.destroy();
    },
  };
}
