// The seed scenario end to end: examples/spiffe-tls/server.ts and client.ts run as their
// own processes, with exactly the permission flags of their deno.json tasks (only the
// socket path swapped for a temporary one), against a devagent started here; then the
// one-command demo. Port 55555 is fixed, so these tests never overlap (Deno runs the
// tests of a file one after the other).
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { startDevAgent } from "@spiffe-ts/spiffe/devagent";
import denoJson from "../../deno.json" with { type: "json" };

const ROOT = new URL("../../", import.meta.url);
/** The socket the `server` and `client` tasks name: SPIRE's default. */
const TASK_SOCKET = "/tmp/agent.sock";
const SERVER_ID = "spiffe://example.org/server";
const CLIENT_ID = "spiffe://example.org/client";
const REFUSED = `Error reading incoming data: unexpected ID "${SERVER_ID}"`;

type ExampleTask = "server" | "client" | "demo";

/** A task's command line, split into words. */
function taskWords(task: ExampleTask): string[] {
  return denoJson.tasks[task].trim().split(/\s+/);
}

/** A task's `--allow-*` flags, with the Workload API socket swapped for `socketPath`. */
function taskFlags(task: "server" | "client", socketPath: string): string[] {
  return taskWords(task)
    .filter((word) => word.startsWith("--allow-"))
    .map((flag) => flag.replaceAll(TASK_SOCKET, socketPath));
}

/** Aborts after `ms` (a deadline so a hung process fails the test instead of hanging it). */
function deadline(ms: number): { signal: AbortSignal; [Symbol.dispose](): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${ms} ms`)), ms);
  return { signal: controller.signal, [Symbol.dispose]: () => clearTimeout(timer) };
}

/** Runs an example to its end; returns its exit code and output lines. */
async function runExample(
  args: string[],
  ms = 30_000,
): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  using limit = deadline(ms);
  const output = await new Deno.Command("deno", {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: limit.signal,
  }).output();
  const lines = (bytes: Uint8Array) => new TextDecoder().decode(bytes).split("\n").filter(Boolean);
  return { code: output.code, stdout: lines(output.stdout), stderr: lines(output.stderr) };
}

function runClient(socketPath: string) {
  return runExample([
    "run",
    ...taskFlags("client", socketPath),
    "examples/spiffe-tls/client.ts",
    "--socket",
    `unix://${socketPath}`,
  ]);
}

/** The server example as a running process whose stdout lines are collected. */
class ServerProcess implements AsyncDisposable {
  readonly lines: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #output: Promise<void>;
  readonly #stderr: Promise<string>;
  #onLine = () => {};

  constructor(socketPath: string) {
    const child = new Deno.Command("deno", {
      args: [
        "run",
        ...taskFlags("server", socketPath),
        "examples/spiffe-tls/server.ts",
        "--socket",
        `unix://${socketPath}`,
      ],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#stderr = new Response(child.stderr).text();
    this.#output = (async () => {
      let rest = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        this.lines.push(...lines);
        this.#onLine();
      }
      if (rest !== "") this.lines.push(rest);
      this.#onLine();
    })();
  }

  /** Waits until a line equal to `line` was printed (or the server ended: fails). */
  async waitForLine(line: string, ms = 15_000): Promise<void> {
    using limit = deadline(ms);
    let ended = false;
    this.#output.finally(() => ended = true);
    while (!this.lines.includes(line)) {
      if (ended) assert.fail(`the server ended without "${line}": ${await this.#stderr}`);
      if (limit.signal.aborted) assert.fail(`no "${line}" from the server: ${this.lines}`);
      await new Promise<void>((resolve) => {
        this.#onLine = resolve;
        limit.signal.addEventListener("abort", () => resolve(), { once: true });
        this.#output.finally(resolve);
      });
    }
  }

  /** Sends SIGTERM (as Ctrl-C would) and resolves with the exit status. */
  async stop(): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill("SIGTERM");
    } catch (err) {
      if (!(err instanceof TypeError)) throw err; // TypeError: it has already exited
    }
    const [status] = await Promise.all([this.#child.status, this.#output, this.#stderr]);
    return status;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

Deno.test("examples: the tasks grant only scoped permissions", async () => {
  const readme = await readFile(new URL("examples/spiffe-tls/README.md", ROOT), "utf8");
  for (const task of ["server", "client", "demo"] as const) {
    const words = taskWords(task);
    assert.deepEqual(words.slice(0, 2), ["deno", "run"], task);
    const flags = words.filter((word) => word.startsWith("-"));
    assert.ok(flags.length > 0, task);
    for (const flag of flags) {
      assert.match(flag, /^--allow-(env|net|read|write|run)=\S+$/, `${task}: ${flag}`);
    }
    // The README documents the flags the tasks use.
    for (const flag of flags) assert.ok(readme.includes(flag), `README lacks ${task}'s ${flag}`);
  }
});

Deno.test("examples: the hello server and client, accepted and refused", async (t) => {
  const dir = await mkdtemp("/tmp/spiffe-ts-examples-");
  const serverSocket = join(dir, "server.sock");
  const clientSocket = join(dir, "client.sock");
  try {
    await using _agent = await startDevAgent({
      sockets: [
        { path: serverSocket, spiffeId: SERVER_ID },
        { path: clientSocket, spiffeId: CLIENT_ID },
      ],
    });
    await using server = new ServerProcess(serverSocket);
    await server.waitForLine("Server listening on localhost:55555");

    await t.step("the client says hello and prints the answer", async () => {
      const client = await runClient(clientSocket);
      assert.deepEqual(client, { code: 0, stdout: ['Server says: "Hello client"'], stderr: [] });
      await server.waitForLine('Client says: "Hello server"');
    });

    await t.step("a client under the server's identity is refused", async () => {
      const client = await runClient(serverSocket);
      assert.deepEqual(client, {
        code: 1,
        stdout: [],
        stderr: ["Unable to read server response: connection closed by the server"],
      });
      await server.waitForLine(REFUSED);
    });

    await t.step("the server stops cleanly on SIGTERM", async () => {
      const status = await server.stop();
      assert.equal(status.code, 0);
      assert.deepEqual(server.lines, [
        "Server listening on localhost:55555",
        'Client says: "Hello server"',
        REFUSED,
        "Server stopped",
      ]);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

Deno.test("examples: deno task demo runs the whole scenario", async () => {
  const demo = await runExample(["task", "--quiet", "demo"]);
  assert.equal(demo.code, 0, [...demo.stdout, ...demo.stderr].join("\n"));
  for (
    const line of [
      "[server] Server listening on localhost:55555",
      '[server] Client says: "Hello server"',
      '[client] Server says: "Hello client"',
      `[server] ${REFUSED}`,
      "[client] Unable to read server response: connection closed by the server",
      "[server] Server stopped",
      "# demo: OK",
    ]
  ) {
    assert.ok(demo.stdout.includes(line), `demo output lacks ${line}:\n${demo.stdout.join("\n")}`);
  }
});

Deno.test("examples: the demo fails clearly when port 55555 is taken", async () => {
  using _busy = Deno.listen({ hostname: "127.0.0.1", port: 55555 });
  const demo = await runExample(["task", "--quiet", "demo"]);
  assert.equal(demo.code, 1);
  assert.ok(
    demo.stdout.some((line) => line.startsWith("[server] Unable to create TLS listener: ")),
    demo.stdout.join("\n"),
  );
  assert.ok(demo.stderr.includes("demo: FAILED: the server did not start (is port 55555 in use?)"));
});
