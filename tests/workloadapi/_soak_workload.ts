// The workload of soak_test.ts, run in a process of its own because what it guards
// against (denoland/deno#36788: nghttp2 asserts in find_stream_on_goaway_func) aborts the
// whole process. It plays compressed hours of an agent's life against long-lived clients:
// clients that idle between unary calls (a GOAWAY then meets a session with no open
// stream), short-lived clients that close their channel after one call (the agent then
// receives that GOAWAY), watches that stay open, SVID rotations (every second, and on
// demand), authority rotations, and agent restarts on the same socket. It prints one JSON
// summary line and exits 0 if the process survived.
//
// Usage: deno run --v8-flags=--expose-gc --allow-read --allow-write --allow-env --allow-net \
//          _soak_workload.ts [cycles]
import { join } from "node:path";
import { JwtSource, TrustDomain, WorkloadApiClient, X509Source } from "../../mod.ts";
import { type DevAgent, startDevAgent } from "../../src/devagent/mod.ts";
import { delay, FAST_BACKOFF, SERVER_ID, tempDir, within } from "../_helpers/agent.ts";

const CYCLES = Number(Deno.args[0] ?? 40);
/** Clients that stay open across the whole run and idle between their calls. */
const IDLE_CLIENTS = 3;
/** Clients per cycle that make one call and close. */
const SHORT_CLIENTS = 3;
/** The pause in which the idle clients' sessions sit idle before the agent restarts. */
const IDLE_MS = 50;
/**
 * A full garbage collection, as hours of idling bring (run with `--v8-flags=--expose-gc`).
 * It is what makes the crash likely: with it in each pause, 6 of 6 runs of 40 cycles
 * aborted on the code before the fix; without it, 1 of 5.
 */
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {});
/** Attempts of one unary call while a restarted agent comes back. */
const CALL_ATTEMPTS = 40;
const TD = TrustDomain.parse("example.org");

await using temp = await tempDir();
// The watches use one socket and the unary clients another: grpc-js shares one HTTP/2
// session among channels to the same address, and an open watch on it would shield the
// unary clients' idle session from the GOAWAY.
const paths = [join(temp.dir, "watch.sock"), join(temp.dir, "unary.sock")];
const [address, unaryAddress] = paths.map((path) => `unix://${path}`);
// SVIDs live 2 s, so the agent re-issues them every second on its own.
const start = () =>
  startDevAgent({ sockets: paths.map((path) => ({ path, spiffeId: SERVER_ID })), svidTtl: 2000 });

const summary = { cycles: 0, restarts: 0, updates: 0, calls: 0, retries: 0, rotations: 0 };
let agent: DevAgent = await start();
const source = await X509Source.create({ address, backoff: FAST_BACKOFF });
const jwtSource = await JwtSource.create({ address, backoff: FAST_BACKOFF });
const idleClients = Array.from(
  { length: IDLE_CLIENTS },
  () => new WorkloadApiClient({ address: unaryAddress }),
);
const updates: (() => void)[] = [];
const stopListening = source.onUpdate(() => {
  summary.updates++;
  for (const wake of updates.splice(0)) wake();
});

/** Resolves when the source holds `agent`'s current bundle (a restarted agent has a new CA). */
async function sourceFollows(what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!source.getX509BundleForTrustDomain(TD).equals(agent.bundle)) {
    if (Date.now() > deadline) throw new Error(`the source never saw ${what}`);
    await within(new Promise<void>((resolve) => updates.push(resolve)), what).catch(() => {});
  }
}

/** A unary call, retried while a restarted agent comes back (bounded). */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      const result = await fn();
      summary.calls++;
      return result;
    } catch (err) {
      if (attempt >= CALL_ATTEMPTS) throw err;
      summary.retries++;
      await delay(50);
    }
  }
}

try {
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const signal = () => AbortSignal.timeout(5000);
    for (const client of idleClients) await call(() => client.fetchX509Svid({ signal: signal() }));
    await call(() => idleClients[0].fetchJwtSvid({ audience: "soak" }, { signal: signal() }));
    for (let i = 0; i < SHORT_CLIENTS; i++) {
      const client = new WorkloadApiClient({ address: unaryAddress });
      try {
        await call(() => client.fetchJwtSvid({ audience: "soak" }, { signal: signal() }));
      } finally {
        await client.close();
      }
    }
    await call(() => jwtSource.fetchJwtSvid({ audience: `soak-${cycle}` }, { signal: signal() }));
    if (cycle % 4 === 1) {
      await agent.rotate();
      summary.rotations++;
    }
    if (cycle % 8 === 3) {
      await agent.rotateAuthority();
      summary.rotations++;
      await sourceFollows(`the authority rotation of cycle ${cycle}`);
    }
    await delay(IDLE_MS);
    collectGarbage();
    await agent.close();
    agent = await start();
    summary.restarts++;
    await sourceFollows(`the agent restarted in cycle ${cycle}`);
    summary.cycles++;
  }
} finally {
  stopListening();
  await source.close();
  await jwtSource.close();
  for (const client of idleClients) await client.close();
  await agent.close();
}
console.log(JSON.stringify(summary));
