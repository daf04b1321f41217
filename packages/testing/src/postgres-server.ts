/**
 * A throwaway PostgreSQL server on a free loopback port, for tests of the store against a real
 * Postgres: `initdb` into a temporary directory, then `postgres -k <dir> -p <port>` listening on
 * 127.0.0.1 only. As root (CI, containers) both run as the `postgres` user, since initdb refuses
 * to run as root. The server can be killed and started again on the same port and data (outages).
 * @module
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, waitUntilClosed, waitUntilReady } from './loopback-server.js';

const BIN_ROOT = '/usr/lib/postgresql';

/** The directory of the newest installed PostgreSQL's binaries, if any. */
function binDir(): string | undefined {
  if (!existsSync(BIN_ROOT)) return undefined;
  const versions = readdirSync(BIN_ROOT)
    .filter((v) => existsSync(join(BIN_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(BIN_ROOT, versions[0], 'bin');
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** The uid and gid of the `postgres` user, when running as root. */
function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a PostgreSQL server can be started here: Debian's binaries under
 * `/usr/lib/postgresql/<version>/bin` and, as root, a `postgres` user to run them.
 *
 * @example
 * ```ts
 * const describePostgres = hasPostgresServer() ? describe : describe.skip;
 * ```
 */
export function hasPostgresServer(): boolean {
  if (!binDir()) return false;
  return !isRoot() || postgresUser() !== undefined;
}

/** Whether the server on `port` accepts connections (`pg_isready`). */
function accepting(bin: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], (error) =>
      resolve(!error),
    );
  });
}

/** A running PostgreSQL (user `postgres`, no password, database `postgres`). */
export interface PostgresServer {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  /** The cluster's directory (kept across `kill` and `restart`). */
  readonly dataDir: string;
  /** Creates a database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** An outage: SIGKILL, no clean shutdown (what it had committed survives). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data, and waits until it accepts connections. */
  restart(): Promise<void>;
  /** Stops it and removes its files. */
  stop(): Promise<void>;
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root. */
function command(bin: string, args: string[]): { file: string; args: string[] } {
  return isRoot() ? { file: 'runuser', args: ['-u', 'postgres', '--', bin, ...args] } : { file: bin, args };
}

/**
 * Starts a fresh PostgreSQL cluster on 127.0.0.1 (a free port) and waits until it accepts
 * connections. Trust authentication, fsync off (test data), no TCP outside loopback.
 *
 * @example
 * ```ts
 * const pg = await startPostgresServer();
 * const store = await openStore({ url: pg.url });
 * await pg.kill(); // an outage
 * await pg.restart(); // recovery, with the data
 * await pg.stop();
 * ```
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = binDir();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const root = mkdtempSync(join(tmpdir(), 'retouch-pg-'));
  const dataDir = join(root, 'data');
  const owner = isRoot() ? postgresUser() : undefined;
  if (owner) {
    chownSync(root, owner.uid, owner.gid);
    chmodSync(root, 0o700);
  }
  const init = command(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  execFileSync(init.file, init.args, { stdio: 'ignore' });
  const port = await freeLoopbackPort();
  let exited: Promise<void> = Promise.resolve();

  const launch = async () => {
    const run = command(join(bin, 'postgres'), [
      '-D',
      dataDir,
      '-k',
      root,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=60',
      '-c',
      'shared_buffers=16MB',
    ]);
    const started = spawn(run.file, run.args, { stdio: 'ignore' });
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    // The port opens before the server takes queries ("the database system is starting up").
    await waitUntilReady(() => accepting(bin, port), {
      child: started,
      timeoutMs: 30_000,
      failure: `postgres did not start on 127.0.0.1:${port}`,
    });
  };
  /** The postmaster's pid, from its pid file (under runuser, it is not our child). */
  const postmasterPid = (): number | undefined => {
    try {
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const signal = (sig: NodeJS.Signals) => {
    const pid = postmasterPid();
    if (pid === undefined) return;
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  const kill = async () => {
    signal('SIGKILL');
    await exited;
    // Its backends notice the postmaster's death and exit; wait until the port is free.
    await waitUntilClosed(port, 10_000);
    rmSync(join(dataDir, 'postmaster.pid'), { force: true });
  };
  await launch();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    url,
    dataDir,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const psql = command(join(bin, 'psql'), [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        'postgres',
        '-qc',
        `create database ${name}`,
      ]);
      execFileSync(psql.file, psql.args, { stdio: 'ignore' });
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    kill,
    restart: launch,
    async stop() {
      // A fast shutdown (SIGINT): no wait for clients to disconnect.
      signal('SIGINT');
      await exited;
      await kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
