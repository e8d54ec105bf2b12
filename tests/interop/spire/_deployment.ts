// A throwaway SPIRE deployment for the seed scenario: a SPIRE server and agent for
// example.org in a temporary directory, the agent attested with a join token (its
// node entry is spiffe://example.org/host) and serving the Workload API on
// /tmp/agent.sock (where our examples look by default), the unix workload attestor,
// and the two workload users of the examples' README. `close()` stops every process,
// removes the socket and the directory, even after a failure.
import { poll, type Proc, run, runOk, spawn } from "../_process.ts";
import type { InteropTools } from "../_check.ts";

export const ROOT = new URL("../../../", import.meta.url).pathname;
export const TRUST_DOMAIN = "example.org";
export const SERVER_ID = "spiffe://example.org/server";
export const CLIENT_ID = "spiffe://example.org/client";
export const HOST_ID = "spiffe://example.org/host";
/** The socket our examples use when given none. */
export const AGENT_SOCKET = "/tmp/agent.sock";
export const SERVER_USER = "server-workload";
export const CLIENT_USER = "client-workload";
export type WorkloadUser = typeof SERVER_USER | typeof CLIENT_USER;

/** The Deno programs the workload users run; cached once, before they run. */
export const DENO_PROGRAMS = [
  "examples/spiffe-tls/server.ts",
  "examples/spiffe-tls/client.ts",
  "tests/interop/spire/_dial.ts",
  "tests/interop/spire/_watch_svid.ts",
  "tests/interop/spire/_jwt.ts",
];

/** Peers the workload users run: copied out of the tools cache (under root's 0700 home). */
const USER_BINARIES = ["hello-server", "hello-client", "workload-checker"] as const;
export type UserBinary = (typeof USER_BINARIES)[number] | "spire-agent";

export interface DeploymentOptions {
  /** Progress lines (`# ...`); silent by default. */
  log?: (line: string) => void;
  /** The agent's `experimental.sync_interval` (SPIRE's default is 5 s). */
  syncInterval?: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Throws when something serves on the unix socket; removes it when it is stale. */
async function claimSocket(path: string): Promise<void> {
  if (!(await exists(path))) return;
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    throw new Error(`${path} is in use by another Workload API (a SPIRE agent or devagent)`);
  } catch (err) {
    if (err instanceof Error && err.message.includes("in use")) throw err;
    await Deno.remove(path);
  }
}

async function ensureUser(user: string): Promise<void> {
  if ((await run("id", "id", ["-u", user])).code === 0) return;
  await runOk("useradd", "useradd", ["-m", user]);
}

/** Copies every `registry.json` under `from` to the same place under `to`; returns how many. */
async function copyPackuments(from: string, to: string): Promise<number> {
  let count = 0;
  const walk = async (relative: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(`${from}/${relative}`));
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory && !/^\d+\.\d+\.\d+/.test(entry.name)) await walk(path);
      else if (entry.isFile && entry.name === "registry.json") {
        await Deno.mkdir(`${to}/${relative}`, { recursive: true });
        await Deno.copyFile(`${from}/${path}`, `${to}/${path}`);
        count++;
      }
    }
  };
  await walk("");
  return count;
}

function serverConf(dir: string, port: number): string {
  return `server {
  bind_address = "127.0.0.1"
  bind_port = "${port}"
  socket_path = "${dir}/server/api.sock"
  trust_domain = "${TRUST_DOMAIN}"
  data_dir = "${dir}/server"
  log_level = "DEBUG"
}

plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "${dir}/server/datastore.sqlite3"
    }
  }
  NodeAttestor "join_token" {
    plugin_data {}
  }
  KeyManager "memory" {
    plugin_data {}
  }
}
`;
}

function agentConf(dir: string, port: number, syncInterval?: string): string {
  const experimental = syncInterval
    ? `\n  experimental {\n    sync_interval = "${syncInterval}"\n  }`
    : "";
  return `agent {
  data_dir = "${dir}/agent"
  log_level = "DEBUG"
  server_address = "127.0.0.1"
  server_port = "${port}"
  socket_path = "${AGENT_SOCKET}"
  trust_bundle_path = "${dir}/bundle.pem"
  trust_domain = "${TRUST_DOMAIN}"${experimental}
}

plugins {
  NodeAttestor "join_token" {
    plugin_data {}
  }
  KeyManager "disk" {
    plugin_data {
      directory = "${dir}/agent"
    }
  }
  WorkloadAttestor "unix" {
    plugin_data {}
  }
}
`;
}

const open = new Set<SpireDeployment>();

/** Closes every deployment still open (on an interrupt). */
export async function closeDeployments(): Promise<void> {
  await Promise.all([...open].map((deployment) => deployment.close()));
}

/** A running SPIRE server and agent, and what the workload users need to run programs. */
export class SpireDeployment implements AsyncDisposable {
  /** The SPIRE server, then the agent (replaced on restart). */
  server?: Proc;
  agent?: Proc;
  /** Every agent run, oldest first (their logs, for error messages). */
  readonly agents: Proc[] = [];
  /** The entry IDs of the two workloads. */
  readonly entries: { server: string; client: string } = { server: "", client: "" };
  readonly #log: (line: string) => void;
  #port = 0;
  #closed = false;
  #preparing: Promise<unknown> = Promise.resolve();
  readonly #missing = new Map<string, string>();

  private constructor(
    readonly tools: InteropTools,
    /** The temporary directory (world-readable: the workload users run binaries from it). */
    readonly dir: string,
    readonly options: DeploymentOptions,
  ) {
    this.#log = options.log ?? (() => {});
    open.add(this);
  }

  /** The Deno cache the workload users share. */
  get denoDir(): string {
    return `${this.dir}/deno`;
  }

  /** Starts the server, attests an agent, and prepares users, binaries and the Deno cache. */
  static async start(
    tools: InteropTools,
    options: DeploymentOptions = {},
  ): Promise<SpireDeployment> {
    await claimSocket(AGENT_SOCKET);
    const dir = await Deno.makeTempDir({ prefix: "spiffe-ts-spire-" });
    await Deno.chmod(dir, 0o755);
    const deployment = new SpireDeployment(tools, dir, options);
    try {
      await deployment.#start();
      return deployment;
    } catch (err) {
      await deployment.close();
      throw err;
    }
  }

  async #start(): Promise<void> {
    const started = Date.now();
    const dir = this.dir;
    await Promise.all([Deno.mkdir(`${dir}/server`), Deno.mkdir(`${dir}/agent`)]);
    this.#port = freePort();
    await Deno.writeTextFile(`${dir}/server.conf`, serverConf(dir, this.#port));
    await Deno.writeTextFile(
      `${dir}/agent.conf`,
      agentConf(dir, this.#port, this.options.syncInterval),
    );
    this.server = spawn("spire-server", this.tools.spireServer, [
      "run",
      "-config",
      `${dir}/server.conf`,
    ]);
    // Meanwhile: users, binaries for them, and the Deno cache.
    const prepared = Promise.all([
      ensureUser(SERVER_USER).then(() => ensureUser(CLIENT_USER)),
      this.#copyBinaries(),
      this.#cacheDeno(),
    ]);
    this.#preparing = prepared.catch(() => {});
    await poll(
      "healthy SPIRE server",
      async () => {
        if (this.server!.exited) {
          throw new Error(`spire-server exited: ${this.server!.tail()}`);
        }
        const { code } = await run(
          "spire-server healthcheck",
          this.tools.spireServer,
          [
            "healthcheck",
            "-socketPath",
            `${dir}/server/api.sock`,
            "-shallow",
          ],
          {},
          5_000,
        );
        return code === 0 ? true : undefined;
      },
      30_000,
      100,
    );
    this.#log(`# spire-server healthy on 127.0.0.1:${this.#port} (${Date.now() - started} ms)`);
    await Deno.writeTextFile(`${dir}/bundle.pem`, await this.serverCli(["bundle", "show"]));
    await prepared;
    // Entries before the agent: its first sync then brings every SVID at once.
    this.entries.server = await this.createEntry(SERVER_ID, SERVER_USER);
    this.entries.client = await this.createEntry(CLIENT_ID, CLIENT_USER);
    await this.startAgent(await this.generateToken());
    this.#log(`# spire-agent healthy on ${AGENT_SOCKET} (${Date.now() - started} ms)`);
  }

  async #copyBinaries(): Promise<void> {
    await Deno.mkdir(`${this.dir}/bin`);
    const sources: Record<string, string> = { "spire-agent": this.tools.spireAgent };
    for (const name of USER_BINARIES) sources[name] = this.tools.peer(name);
    await Promise.all(
      Object.entries(sources).map(async ([name, source]) => {
        if (!(await exists(source))) {
          this.#missing.set(name, source); // a peer not built: its checks fail when they use it
          return;
        }
        await Deno.copyFile(source, `${this.dir}/bin/${name}`);
        await Deno.chmod(`${this.dir}/bin/${name}`, 0o755);
      }),
    );
  }

  /**
   * Caches the Deno programs once, as root, in a DENO_DIR both users may read and write.
   *
   * The users cannot write the checkout's node_modules/.deno/.deno.lock (root's, 0644):
   * Deno 2.9 then fails to take that lock ("Permission denied") and fetches the npm
   * packuments of the direct dependencies again, on every run, printing `Download
   * https://registry.npmjs.org/...` on stderr, unless DENO_DIR already has them. So the
   * packuments (registry.json, no tarballs) are copied from root's npm cache, or, when it
   * has none, fetched once into the shared DENO_DIR.
   */
  async #cacheDeno(): Promise<void> {
    const env = { DENO_DIR: this.denoDir, NO_COLOR: "1" };
    await runOk("deno cache", "deno", ["cache", "--quiet", ...DENO_PROGRAMS], {
      cwd: ROOT,
      env,
    }, 120_000);
    const info = JSON.parse(
      await runOk("deno info", "deno", ["info", "--json"], {
        env: { NO_COLOR: "1" },
      }),
    ) as { npmCache?: string };
    const copied = info.npmCache ? await copyPackuments(info.npmCache, `${this.denoDir}/npm`) : 0;
    if (copied === 0) {
      await runOk(
        "deno cache (npm)",
        "deno",
        [
          "cache",
          "--quiet",
          "--node-modules-dir=none",
          ...DENO_PROGRAMS,
        ],
        { cwd: ROOT, env },
        180_000,
      );
    }
    await runOk("chmod", "chmod", ["-R", "a+rwX", this.denoDir]);
  }

  /** A binary the workload users can run. */
  bin(name: UserBinary): string {
    const missing = this.#missing.get(name);
    if (missing) throw new Error(`${name} is not built (no ${missing})`);
    return `${this.dir}/bin/${name}`;
  }

  /** The whole environment of a workload user's process. */
  userEnv(user: WorkloadUser): Record<string, string> {
    return {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: `/home/${user}`,
      DENO_DIR: this.denoDir,
      DENO_NO_UPDATE_CHECK: "1",
      NO_COLOR: "1",
    };
  }

  /** `spire-server <args> -socketPath ...`; returns stdout. */
  serverCli(args: string[]): Promise<string> {
    return runOk(`spire-server ${args.slice(0, 2).join(" ")}`, this.tools.spireServer, [
      ...args,
      "-socketPath",
      `${this.dir}/server/api.sock`,
    ]);
  }

  /** Registers `spiffeId` for the unix user `user` under the agent's node entry. */
  async createEntry(spiffeId: string, user: WorkloadUser, extra: string[] = []): Promise<string> {
    const out = await this.serverCli([
      "entry",
      "create",
      "-parentID",
      HOST_ID,
      "-spiffeID",
      spiffeId,
      "-selector",
      `unix:user:${user}`,
      ...extra,
    ]);
    const id = /Entry ID\s*:\s*(\S+)/.exec(out)?.[1];
    if (!id) throw new Error(`entry create printed no Entry ID: ${out}`);
    return id;
  }

  /** Rewrites an entry (SPIRE's update replaces every field), e.g. with `-x509SVIDTTL`. */
  async updateEntry(
    entryId: string,
    spiffeId: string,
    user: WorkloadUser,
    extra: string[] = [],
  ): Promise<void> {
    await this.serverCli([
      "entry",
      "update",
      "-entryID",
      entryId,
      "-parentID",
      HOST_ID,
      "-spiffeID",
      spiffeId,
      "-selector",
      `unix:user:${user}`,
      ...extra,
    ]);
  }

  /** A join token that gives the agent the ID spiffe://example.org/host. */
  async generateToken(): Promise<string> {
    const out = await this.serverCli(["token", "generate", "-spiffeID", HOST_ID]);
    const token = /Token:\s*(\S+)/.exec(out)?.[1];
    if (!token) throw new Error(`token generate printed no token: ${out}`);
    return token;
  }

  /** Starts the agent (with a join token, or from its data directory) and waits for health. */
  async startAgent(token?: string): Promise<Proc> {
    if (this.agent && !this.agent.exited) throw new Error("the agent is already running");
    await claimSocket(AGENT_SOCKET);
    const args = ["run", "-config", `${this.dir}/agent.conf`];
    if (token) args.push("-joinToken", token);
    const agent = spawn(`spire-agent#${this.agents.length + 1}`, this.tools.spireAgent, args);
    this.agent = agent;
    this.agents.push(agent);
    await poll(
      "healthy SPIRE agent",
      async () => {
        if (agent.exited) throw new Error(`spire-agent exited: ${agent.tail()}`);
        const { code } = await run(
          "spire-agent healthcheck",
          this.tools.spireAgent,
          [
            "healthcheck",
            "-socketPath",
            AGENT_SOCKET,
            "-shallow",
          ],
          {},
          5_000,
        );
        return code === 0 ? true : undefined;
      },
      30_000,
      100,
    );
    return agent;
  }

  /** Stops the agent (SIGTERM) and waits until it is gone. */
  async stopAgent(): Promise<void> {
    await this.agent?.stop();
  }

  /** Waits (bounded) until the agent serves `user` an X509-SVID for `spiffeId`. */
  async waitForSvid(user: WorkloadUser, spiffeId: string, ms = 30_000): Promise<void> {
    await poll(
      `X509-SVID ${spiffeId} for ${user}`,
      async () => {
        const result = await run(
          `spire-agent api fetch as ${user}`,
          this.bin("spire-agent"),
          [
            "api",
            "fetch",
            "x509",
            "-socketPath",
            AGENT_SOCKET,
            "-timeout",
            "2s",
          ],
          { user, env: this.userEnv(user) },
          5_000,
        );
        if (result.code === 0 && result.stdout.some((line) => line.includes(spiffeId))) return true;
        throw new Error(result.lines.slice(-3).join(" | "));
      },
      ms,
      250,
    );
  }

  /** The last lines of the SPIRE logs, for error messages. */
  logs(count = 5): string {
    const tail = (proc?: Proc) =>
      proc ? proc.text.filter((line) => !line.includes("level=debug")).slice(-count) : [];
    return JSON.stringify({ server: tail(this.server), agent: tail(this.agent) });
  }

  /** Stops everything and removes the directory and the socket. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    open.delete(this);
    await this.#preparing; // what runs in the directory ends before it goes
    for (const agent of this.agents) await agent.stop().catch(() => {});
    await this.server?.stop().catch(() => {});
    await Deno.remove(AGENT_SOCKET).catch(() => {});
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
