/**
 * A preload (`node --import`) that makes every server listen on 127.0.0.1 when it names no host.
 * The Portkey gateway calls `serve({ fetch, port })` without a hostname, which would listen on
 * every interface; the benchmark runs it with this so that it is reachable from this machine only.
 * @module
 */
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(this: net.Server, ...args: unknown[]) {
  const [first, second] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof second !== 'string') args.splice(1, second === undefined ? 1 : 0, '127.0.0.1');
  } else if (typeof first === 'object' && first !== null && !('path' in first) && !('host' in first)) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return listen.apply(this, args as Parameters<typeof listen>);
} as typeof listen;
