/**
 * A throwaway `redis-server` on a free loopback port, for tests of shared state against a real
 * Redis (started and killed by the test; never persisted).
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { canConnect, freeLoopbackPort, waitUntilReady } from './loopback-server.js';

/**
 * Whether a `redis-server` binary is on the PATH.
 *
 * @example
 * ```ts
 * const describeRedis = hasRedisServer() ? describe : describe.skip;
 * ```
 */
export function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A running Redis. */
export interface RedisServer {
  port: number;
  /** Kills it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server --port <port> --save '' --appendonly no` on 127.0.0.1 (a free port unless
 * `port` is given, e.g. to bring a killed one back) and waits until it accepts connections.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * await redis.stop(); // an outage
 * const back = await startRedisServer({ port: redis.port }); // recovery, empty
 * ```
 */
export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServer> {
  const port = options.port ?? (await freeLoopbackPort());
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitUntilReady(() => canConnect(port), {
    child,
    timeoutMs: 10_000,
    failure: `redis-server did not start on ${port}`,
  });
  return {
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
