// The seed examples with no agent: the server, started with nothing on its socket, says
// on stderr what it waits for (the source's default warning after 5 s) and stops on
// SIGTERM naming the address; the client does the same and gives up at its deadline.
// Both run with exactly the permission flags of their deno.json tasks (only the socket
// path swapped). Neither binds or dials port 55555: they never get that far.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import denoJson from "../../deno.json" with { type: "json" };

const ROOT = new URL("../../", import.meta.url);
const TASK_SOCKET = "/tmp/agent.sock";

function taskFlags(task: "server" | "client", socketPath: string): string[] {
  return denoJson.tasks[task].trim().split(/\s+/)
    .filter((word) => word.startsWith("--allow-"))
    .map((flag) => flag.replaceAll(TASK_SOCKET, socketPath));
}

function spawn(task: "server" | "client", socketPath: string): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args: [
      "run",
      ...taskFlags(task, socketPath),
      `examples/spiffe-tls/${task}.ts`,
      "--socket",
      `unix://${socketPath}`,
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000), // a hang fails the test instead of blocking it
  }).spawn();
}

/** Resolves with the first stderr line that starts with `prefix` (bounded by the spawn). */
async function firstLine(stream: ReadableStream<Uint8Array>, prefix: string): Promise<string> {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    const line = text.split("\n").find((l) => l.startsWith(prefix));
    if (line !== undefined && text.includes(`${line}\n`)) {
      return line;
    }
  }
  assert.fail(`no "${prefix}" line in: ${text}`);
}

function waiting(address: string, path: string): RegExp {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(
    `^x509source: still waiting for the first update from the Workload API at ${
      escape(address)
    } \\(from the address option\\) after \\d+(\\.\\d)? s; last error: UNAVAILABLE: No ` +
      `connection established\\. Last error: connect ENOENT ${escape(path)}$`,
  );
}

Deno.test("the examples with no agent say what they wait for", async () => {
  const dir = await mkdtemp(join(tmpdir(), "spiffe-ts-examples-"));
  try {
    const path = join(dir, "agent.sock");
    const address = `unix://${path}`;
    const server = spawn("server", path);
    const client = spawn("client", path);
    const [serverOut, clientOut] = [server, client].map((child) =>
      new Response(child.stdout).text()
    );
    const [serverErr, clientErr] = [server, client].map((child) => child.stderr.tee());

    const serverLine = await firstLine(serverErr[0], "x509source: ");
    assert.match(serverLine, waiting(address, path));
    server.kill("SIGTERM");
    const serverRest = new Response(serverErr[1]).text();
    const serverStatus = await server.status;
    assert.equal(serverStatus.code, 1);
    assert.equal(await serverOut, "");
    assert.match(
      await serverRest,
      new RegExp(
        "\nUnable to create TLS listener: x509source: no update from the Workload API at " +
          `unix://\\S+ \\(from the address option\\) before the signal aborted; last watch ` +
          "error: UNAVAILABLE: ",
      ),
    );

    const clientLine = await firstLine(clientErr[0], "x509source: ");
    assert.match(clientLine, waiting(address, path));
    const clientRest = new Response(clientErr[1]).text();
    const clientStatus = await client.status;
    assert.equal(clientStatus.code, 1);
    assert.equal(await clientOut, "");
    assert.match(
      await clientRest,
      /\nUnable to create TLS connection: x509source: no update from the Workload API at unix:\/\/\S+ \(from the address option\) before the signal aborted; last watch error: UNAVAILABLE: /,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
