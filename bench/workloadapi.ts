// Measures the Workload API path against the devagent on a unix socket: time from
// X509Source.create to ready, time from a rotation to the source's update,
// fetchJwtSvid calls per second, and local JwtSvid.parseAndValidate per second.
// Run: deno task bench
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JwtSvid, WorkloadApiClient, X509Source } from "../mod.ts";
import { startDevAgent } from "../src/devagent/mod.ts";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function report(name: string, value: string): void {
  console.log(`${name.padEnd(48)} ${value.padStart(14)}`);
}

const dir = await mkdtemp(join(tmpdir(), "spiffe-ts-bench-"));
const agent = await startDevAgent({
  sockets: [{ path: join(dir, "agent.sock"), spiffeId: "spiffe://example.org/server" }],
});
const address = agent.addresses[0];
console.log(`Deno ${Deno.version.deno}, devagent on a unix socket, EC P-256`);

try {
  const readyTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    const source = await X509Source.create({ address });
    readyTimes.push(performance.now() - start);
    await source.close();
  }
  report("X509Source.create → ready (median of 20)", `${median(readyTimes).toFixed(1)} ms`);

  const source = await X509Source.create({ address });
  const rotationTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const updated = new Promise<void>((resolve) => {
      const stop = source.onUpdate(() => {
        stop();
        resolve();
      });
    });
    const start = performance.now();
    await agent.rotate();
    await updated;
    rotationTimes.push(performance.now() - start);
  }
  await source.close();
  report("rotate() → source update (median of 20)", `${median(rotationTimes).toFixed(1)} ms`);

  const client = new WorkloadApiClient({ address });
  await client.fetchJwtSvid({ audience: "warmup" });
  const calls = 500;
  let start = performance.now();
  for (let i = 0; i < calls; i++) await client.fetchJwtSvid({ audience: "bench" });
  let seconds = (performance.now() - start) / 1000;
  report("fetchJwtSvid, sequential", `${Math.round(calls / seconds)} /s`);
  start = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = 0; i < calls / 8; i++) await client.fetchJwtSvid({ audience: "bench" });
    }),
  );
  seconds = (performance.now() - start) / 1000;
  report("fetchJwtSvid, 8 in flight", `${Math.round(calls / seconds)} /s`);

  const token = (await client.fetchJwtSvid({ audience: "bench" })).marshal();
  const bundles = await client.fetchJwtBundles();
  await client.close();
  const validations = 5000;
  start = performance.now();
  for (let i = 0; i < validations; i++) JwtSvid.parseAndValidate(token, bundles, "bench");
  seconds = (performance.now() - start) / 1000;
  report("JwtSvid.parseAndValidate (ES256)", `${Math.round(validations / seconds)} /s`);
} finally {
  await agent.close();
  await rm(dir, { recursive: true, force: true });
}
