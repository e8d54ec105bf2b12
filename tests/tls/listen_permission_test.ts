// A Deno server granted `--allow-net=localhost:PORT` but not the address localhost resolves
// to used to die with an uncaught NotCapable from inside Deno's host lookup. listenWithMode
// must reject instead, with Deno's error class and the flag to add.
import assert from "node:assert/strict";
import { createServer } from "node:net";

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function runChild(allowNet: string, port: number) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      // grpc-js (loaded with the devagent's module, for its CA) reads GRPC_* when it loads.
      "--allow-env=GRPC_*",
      `--allow-net=${allowNet}`,
      new URL("./_listen_denied.ts", import.meta.url).pathname,
      String(port),
    ],
    cwd: new URL("../..", import.meta.url).pathname,
    stdin: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `the child died: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(output.stdout).trim());
}

Deno.test("listenWithMode rejects, naming the flag, when Deno denies the resolved address", async () => {
  const port = await freePort();
  const result = await runChild(`localhost:${port}`, port);
  assert.equal(result.outcome, "refused");
  assert.equal(result.isNotCapable, true);
  assert.match(
    result.message,
    new RegExp(
      `^listenWithMode: Deno denies listening on (127\\.0\\.0\\.1|\\[::1\\]):${port} ` +
        `\\(the address "localhost" resolves to\\): run with --allow-net=(127\\.0\\.0\\.1|\\[::1\\]):${port}$`,
    ),
  );
});

Deno.test("listenWithMode listens when the resolved address is granted (the control)", async () => {
  const port = await freePort();
  const result = await runChild(`localhost:${port},127.0.0.1:${port},[::1]:${port}`, port);
  assert.equal(result.outcome, "listening");
});
