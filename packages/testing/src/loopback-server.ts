/**
 * Helpers of the throwaway servers the tests start as child processes (PostgreSQL, Redis): a free
 * port on 127.0.0.1, whether something listens there, and a wait that fails at once when the
 * child exits instead of running out its whole deadline.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';

/** A port on 127.0.0.1 that nothing listened on a moment ago (the OS picks it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether a TCP connection to 127.0.0.1:`port` opens. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** How often a wait checks again, in milliseconds. */
const POLL_MS = 25;

/**
 * Waits until `ready()` is true; throws `failure` when `child` exits first or `timeoutMs` passes.
 * The deadline is generous on purpose: a loaded 2-core machine starts a server slowly.
 */
export async function waitUntilReady(
  ready: () => Promise<boolean>,
  { child, timeoutMs, failure }: { child: ChildProcess; timeoutMs: number; failure: string },
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > end) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Waits (at most `timeoutMs`) until nothing accepts connections on `port` any more. */
export async function waitUntilClosed(port: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while ((await canConnect(port)) && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
