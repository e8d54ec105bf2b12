/**
 * `deno task demo`: the hello scenario in one command, without SPIRE.
 *
 * 1. starts the devagent (an in-process Workload API and CA for `example.org`) on two unix
 *    sockets, one per identity: `server.sock` hands out `spiffe://example.org/server`,
 *    `client.sock` hands out `spiffe://example.org/client`;
 * 2. runs `spiffe-tls/server.ts` and `spiffe-tls/client.ts` as separate processes, each
 *    with exactly the permission flags of its `deno task` (from deno.json) and `--socket`
 *    pointing at its own socket, and prints their output as `[server]`/`[client]`;
 * 3. runs the client again under the server's identity: the server refuses it;
 * 4. stops the server and the agent, removes the sockets, and exits 0 when everything
 *    went as the scenario says (1 otherwise).
 *
 * The sockets live in a fresh `/tmp/spiffe-ts-demo/` (a fixed name, like the fixed port
 * 55555): Deno grants unix socket access only for exact socket paths, so a fixed place is
 * what lets the demo's own `--allow-net` name the two sockets instead of allowing all.
 *
 * @module
 */
import { type DevAgent, startDevAgent } from "@spiffe-ts/spiffe/devagent";
import denoJson from "../deno.json" with { type: "json" };

const SOCKET_DIR = "/tmp/spiffe-ts-demo";
const SERVER_SOCKET = `${SOCKET_DIR}/server.sock`;
const CLIENT_SOCKET = `${SOCKET_DIR}/client.sock`;
/** The socket path the `server` and `client` tasks' permissions name (SPIRE's default). */
const TASK_SOCKET = "/tmp/agent.sock";
const ROOT = new URL("..", import.meta.url);

/** Runs the scenario; returns the exit code. */
async function main(): Promise<number> {
  let failures = 0;
  const check = (ok: boolean, what: string) => {
    if (ok || Workload.stopping) return;
    failures++;
    console.error(`demo: FAILED: ${what}`);
  };
  let ownsDir = false;
  let agent: DevAgent | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    cleaning ??= (async () => {
      // The processes first (SIGTERM, as Ctrl-C would), then the agent they watch.
      await Workload.stopAll();
      await agent?.close();
      if (ownsDir) await Deno.remove(SOCKET_DIR, { recursive: true });
    })();
  const interrupted = () => {
    console.log("\n# demo: interrupted");
    void cleanUp().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", interrupted);
  Deno.addSignalListener("SIGTERM", interrupted);
  try {
    await freshSocketDir();
    ownsDir = true;
    agent = await startDevAgent({
      trustDomain: "example.org",
      sockets: [
        { path: SERVER_SOCKET, spiffeId: "spiffe://example.org/server" },
        { path: CLIENT_SOCKET, spiffeId: "spiffe://example.org/client" },
      ],
    });
    console.log(`# devagent: spiffe://example.org/server on ${SERVER_SOCKET}`);
    console.log(`#           spiffe://example.org/client on ${CLIENT_SOCKET}`);
    const server = new Workload("server", SERVER_SOCKET);
    if (await server.waitFor((line) => line.startsWith("Server listening on")) === undefined) {
      throw new Error("the server did not start (is port 55555 in use?)");
    }

    console.log("\n# the client, as spiffe://example.org/client");
    const hello = new Workload("client", CLIENT_SOCKET);
    check((await hello.status).code === 0, "the client exited with an error");
    check(hello.lines.includes('Server says: "Hello client"'), "the client got no answer");
    check(
      await server.waitFor((line) => line === 'Client says: "Hello server"') !== undefined,
      "the server did not log the client's message",
    );

    console.log("\n# the client again, as spiffe://example.org/server: refused");
    const refused = new Workload("client", SERVER_SOCKET);
    check((await refused.status).code === 1, "the refused client did not exit 1");
    check(
      refused.lines.some((line) => line.startsWith("Unable to read server response: ")),
      "the refused client did not report its failure",
    );
    check(
      await server.waitFor((line) =>
        line === 'Error reading incoming data: unexpected ID "spiffe://example.org/server"'
      ) !== undefined,
      "the server did not refuse the client",
    );
  } catch (err) {
    check(false, (err as Error).message);
  } finally {
    Deno.removeSignalListener("SIGINT", interrupted);
    Deno.removeSignalListener("SIGTERM", interrupted);
    await cleanUp();
  }
  console.log(failures === 0 ? "\n# demo: OK" : `\n# demo: ${failures} check(s) failed`);
  return failures === 0 ? 0 : 1;
}

/** Makes an empty SOCKET_DIR, clearing what an interrupted demo left there. */
async function freshSocketDir(): Promise<void> {
  try {
    await Deno.mkdir(SOCKET_DIR, { mode: 0o700 });
    return;
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
  if (!(await Deno.lstat(SOCKET_DIR)).isDirectory) {
    throw new Error(`${SOCKET_DIR} exists and is not a directory: remove it`);
  }
  const live = await Deno.connect({ transport: "unix", path: SERVER_SOCKET }).then(
    (conn) => (conn.close(), true),
    () => false,
  );
  if (live) throw new Error(`another demo is running (its agent answers on ${SERVER_SOCKET})`);
  await Deno.remove(SOCKET_DIR, { recursive: true });
  await Deno.mkdir(SOCKET_DIR, { mode: 0o700 });
}

/** The permission flags of a deno.json task, with the task's socket path replaced. */
function taskFlags(task: "server" | "client", socketPath: string): string[] {
  return denoJson.tasks[task].split(/\s+/)
    .filter((word) => word.startsWith("--allow-"))
    .map((flag) => flag.replaceAll(TASK_SOCKET, socketPath));
}

/** One example process whose output lines are printed with a `[name]` prefix. */
class Workload {
  static #running = new Set<Workload>();
  static #stopping = false;

  /** Whether {@linkcode Workload.stopAll} was called: no new process starts. */
  static get stopping(): boolean {
    return Workload.#stopping;
  }

  /** Stops every running process and waits for them. */
  static async stopAll(): Promise<void> {
    Workload.#stopping = true;
    const running = [...Workload.#running];
    for (const workload of running) workload.stop();
    await Promise.all(running.map((workload) => workload.status));
  }

  readonly lines: string[] = [];
  readonly status: Promise<Deno.CommandStatus>;
  readonly #child: Deno.ChildProcess;
  readonly #waiters = new Set<(line: string | undefined) => void>();
  #exited = false;

  constructor(name: "server" | "client", socketPath: string) {
    if (Workload.#stopping) throw new Error("the demo is stopping");
    this.#child = new Deno.Command("deno", {
      args: [
        "run",
        ...taskFlags(name, socketPath),
        `examples/spiffe-tls/${name}.ts`,
        "--socket",
        `unix://${socketPath}`,
      ],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = Promise.all(
      [this.#child.stdout, this.#child.stderr].map((stream) =>
        this.#read(stream, (line) => {
          console.log(`[${name}] ${line}`);
          this.lines.push(line);
          for (const waiter of this.#waiters) waiter(line);
        })
      ),
    );
    Workload.#running.add(this);
    this.status = Promise.all([this.#child.status, output]).then(([status]) => {
      this.#exited = true;
      Workload.#running.delete(this);
      for (const waiter of this.#waiters) waiter(undefined);
      return status;
    });
  }

  /** Resolves with the first line (seen or to come) that matches, or undefined on exit or timeout. */
  waitFor(match: (line: string) => boolean, ms = 15_000): Promise<string | undefined> {
    const seen = this.lines.find(match);
    if (seen !== undefined || this.#exited) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), ms);
      const done = (line: string | undefined) => {
        if (line !== undefined && !match(line)) return;
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(line);
      };
      this.#waiters.add(done);
    });
  }

  /** Asks the process to stop, as Ctrl-C would. */
  stop(): void {
    if (this.#exited) return;
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // It exited meanwhile: nothing to stop.
    }
  }

  async #read(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      lines.forEach(onLine);
    }
    if (rest !== "") onLine(rest);
  }
}

Deno.exit(await main());
