// Soak: compressed hours of an agent's life (idle clients, short-lived clients, watches,
// rotations, restarts) in a subprocess, because the failure it guards against
// (denoland/deno#36788, an nghttp2 assertion when a GOAWAY meets an idle HTTP/2 session)
// aborts the whole process. The process must exit 0 and report every restart survived.
import assert from "node:assert/strict";
import { setTimeout as startTimer } from "node:timers";

/** Agent restarts to survive; about 0.25 s each. Before the fix, 40 aborted 6 runs of 6. */
const CYCLES = 80;
/** A deadline for the whole subprocess, so that a hang fails instead of blocking. */
const DEADLINE_MS = 120_000;

Deno.test("soak: clients and sources survive agent restarts, rotations and idle sessions", async () => {
  const controller = new AbortController();
  const timer = startTimer(() => controller.abort(), DEADLINE_MS);
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        // The workload collects garbage in each idle pause, as hours of idling would.
        "--v8-flags=--expose-gc",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-net",
        `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
        new URL("./_soak_workload.ts", import.meta.url).pathname,
        String(CYCLES),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: controller.signal,
    }).output();
  } finally {
    clearTimeout(timer);
  }
  const stdout = new TextDecoder().decode(output.stdout).trim();
  const stderr = new TextDecoder().decode(output.stderr).trim();
  assert.ok(!controller.signal.aborted, `the soak workload ran past ${DEADLINE_MS} ms`);
  assert.equal(
    output.code,
    0,
    `the soak workload died (code ${output.code}, signal ${output.signal}):\n${
      stderr.split("\n").slice(-10).join("\n")
    }`,
  );
  const summary = JSON.parse(stdout.split("\n").at(-1) ?? "");
  assert.equal(summary.cycles, CYCLES);
  assert.equal(summary.restarts, CYCLES);
  // Each restart brings a new CA, and each authority rotation a new root: the source saw them.
  assert.ok(summary.updates >= CYCLES + CYCLES / 8, `only ${summary.updates} updates`);
  assert.ok(summary.rotations >= CYCLES / 4, `only ${summary.rotations} rotations`);
  // 4 unary calls per cycle on the idle clients, 3 short-lived clients, 1 on the JwtSource.
  assert.equal(summary.calls, CYCLES * 8);
});
