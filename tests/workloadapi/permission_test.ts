import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./_no_socket_permission.ts", import.meta.url));

Deno.test("a source without permission to reach the socket fails at once, naming the permission", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    // No --allow-write or --allow-net: Deno refuses the connection to the socket.
    args: ["run", "--allow-read", "--allow-env", SCRIPT],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000), // a retry loop would be killed here and fail below
  });
  const { stdout } = await child.output();
  const line = new TextDecoder().decode(stdout).trim();
  assert.match(line, /^WorkloadApiError: UNAVAILABLE: .*NotCapable: Requires \w+ access to /);
  // Deno names one flag at a time; the hint names the three a unix socket needs.
  const path = "/tmp/spiffe-ts-no-permission.sock";
  assert.ok(
    line.endsWith(
      `(a unix socket needs --allow-net=unix:${path} --allow-read=${path} --allow-write=${path})`,
    ),
    line,
  );
});
