// The SPIRE checks' SVID watcher: an X509Source on the Workload API that prints one line
// per X509-SVID it receives, until SIGTERM/SIGINT:
//   svid <received ms> <leaf serial> <notAfter ISO> <SPIFFE ID>
// Run as the server's user, it sees what the agent hands the hello server (SPIRE serves
// the same cached SVID to every workload of one entry).
// Permissions: those of `deno task client`.
import process from "node:process";
import { parseArgs } from "node:util";
import { X509Source, type X509Svid } from "@spiffe-ts/spiffe";

const { values: flags } = parseArgs({
  options: { socket: { type: "string", default: "unix:///tmp/agent.sock" } },
});
const shutdown = new AbortController();
const source = await X509Source.create({
  address: flags.socket,
  signal: AbortSignal.any([shutdown.signal, AbortSignal.timeout(10_000)]),
});
const print = (svid: X509Svid) => {
  const leaf = svid.certificates[0];
  console.log(`svid ${Date.now()} ${leaf.serialNumber} ${svid.expiresAt.toISOString()} ${svid.id}`);
};
print(source.getX509Svid());
source.onUpdate(({ svid }) => print(svid));
await new Promise<void>((resolve) => {
  process.once("SIGTERM", resolve);
  process.once("SIGINT", resolve);
});
await source.close();
