import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The newest Debian PostgreSQL server binaries (`apt-get install postgresql`), if installed. */
export function findPostgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter(v => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  return versions
    .map(v => path.join(root, v, 'bin'))
    .find(bin => ['initdb', 'pg_ctl', 'psql'].every(tool => fs.existsSync(path.join(bin, tool))));
}

/**
 * Why a private PostgreSQL cannot run here, or undefined when it can: PostgreSQL refuses to run
 * as root, so as root (CI) it runs as the `postgres` user through `runuser`.
 */
export function privatePostgresUnavailable(): string | undefined {
  if (!findPostgresBinaries()) {
    return 'PostgreSQL server binaries (initdb, pg_ctl, psql) not found; apt-get install postgresql';
  }
  if (process.getuid?.() === 0) {
    const hasPostgresUser = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .some(line => line.startsWith('postgres:'));
    if (!hasPostgresUser || !fs.existsSync('/usr/sbin/runuser')) {
      return 'running as root without a postgres user or runuser to start PostgreSQL as';
    }
  }
  return undefined;
}

/**
 * A PostgreSQL instance of the test's own (own data directory and port), so that stopping and
 * restarting it cannot disturb other test files running against the shared test database.
 */
export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PrivatePostgres> {
    const bin = findPostgresBinaries();
    if (!bin) throw new Error('PostgreSQL server binaries not found');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-fault-pg-'));
    if (process.getuid?.() === 0) {
      await run('chown', ['postgres:', dir]);
    }
    const pg = new PrivatePostgres(bin, dir, await freePort());
    await pg.tool('initdb', [
      '-D',
      pg.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    await pg.start();
    return pg;
  }

  private get dataDir() {
    return path.join(this.dir, 'data');
  }

  /** Runs a server tool, as the postgres user when this process is root. */
  private async tool(name: string, args: string[]) {
    const file = path.join(this.bin, name);
    const asPostgres = process.getuid?.() === 0;
    return run(
      asPostgres ? '/usr/sbin/runuser' : file,
      asPostgres ? ['-u', 'postgres', '--', file, ...args] : args,
      {
        cwd: this.dir,
      },
    );
  }

  connectionString(database = 'postgres') {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start() {
    await this.tool('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      [
        `-p ${this.port}`,
        '-c listen_addresses=127.0.0.1',
        `-c unix_socket_directories=${this.dir}`,
        // two whole backends, each with a connection pool per plugin
        '-c max_connections=300',
        '-c fsync=off',
      ].join(' '),
      'start',
    ]);
  }

  /** Fast shutdown: open connections are terminated, as in a restart or failover. */
  async stop() {
    await this.tool('pg_ctl', ['-D', this.dataDir, '-w', '-t', '60', '-m', 'fast', 'stop']);
  }

  /** One value of a query, through psql. */
  async query(database: string, sql: string): Promise<string> {
    const { stdout } = await run(path.join(this.bin, 'psql'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.port),
      '-U',
      'postgres',
      '-d',
      database,
      '-Atc',
      sql,
    ]);
    return stdout.trim();
  }

  async destroy() {
    await this.stop().catch(() => {});
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
