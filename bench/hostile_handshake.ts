// Does a hostile peer's handshake delay everybody else? (issue #8, bounded verification)
//
// A SPIFFE mTLS server trusts two trust domains, example.org and other.org (a federation
// partner). The attacker holds other.org's CA key and presents, for an example.org ID, a
// leaf signed by that key plus 14 CA certificates that all carry other.org's subject and
// key (the path-building "bomb"): node:tls accepts the chain (it anchors in other.org), and
// the SPIFFE check must refuse it, because an example.org ID must anchor in example.org.
// Unbounded path building spent seconds on such a chain, synchronously, on the event loop
// every other client shares.
//
// Measured in one process, so that the attacker's cost lands on the server's event loop:
// the latency of a well-behaved client's hello round trips (sequential), alone and while an
// attacker keeps one bomb handshake in flight. Prints medians and 99th percentiles and the
// ratio; no assertions. Run: deno task bench:hostile
import { connect, type TLSSocket } from "node:tls";
import {
  authorizeId,
  dialWithMode,
  listenWithMode,
  mtlsClientWithRawConfig,
  mtlsServerWithRawConfig,
  TrustDomain,
  X509Bundle,
  X509BundleSet,
  X509Svid,
} from "../mod.ts";
import { TestCa } from "../tests/_helpers/ca.ts";

const ROUND_TRIPS = 400;
const BOMB_SIZE = 14;

const example = await TestCa.root("example.org");
const other = await TestCa.root("other.org", { commonName: "other.org root" });
const bundles = new X509BundleSet(
  X509Bundle.fromAuthorities(TrustDomain.parse("example.org"), [example.cert.cert]),
  X509Bundle.fromAuthorities(TrustDomain.parse("other.org"), [other.cert.cert]),
);
const svidOf = async (id: string) => {
  const leaf = await example.svid(id);
  return X509Svid.parse(leaf.pem, leaf.keyPem);
};
const serverSvid = await svidOf("spiffe://example.org/server");
const clientSvid = await svidOf("spiffe://example.org/client");

// The bomb: copies of other.org's root (same subject, same key), and a leaf it signed.
const bomb: string[] = [];
for (let i = 0; i < BOMB_SIZE; i++) {
  const copy = await TestCa.root("other.org", {
    commonName: "other.org root",
    keys: other.cert.keys,
  });
  bomb.push(copy.cert.pem);
}
const forgedLeaf = await other.svid("spiffe://example.org/victim");

const server = await listenWithMode(
  { hostname: "127.0.0.1", port: 0 },
  mtlsServerWithRawConfig(authorizeId("spiffe://example.org/client"), serverSvid, bundles),
);
server.on("secureConnection", (socket: TLSSocket) => {
  socket.on("error", () => socket.destroy());
  socket.once("data", () => socket.end("Hello client\n"));
});
let refusals = 0;
server.on("tlsClientError", () => refusals++);
const port = (server.address() as { port: number }).port;
const mode = mtlsClientWithRawConfig(
  authorizeId("spiffe://example.org/server"),
  clientSvid,
  bundles,
);

async function helloLatencies(count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const socket = await dialWithMode({ hostname: "127.0.0.1", port }, mode);
    await new Promise<void>((resolve, reject) => {
      socket.on("error", reject);
      socket.on("close", () => resolve());
      socket.resume();
      socket.write("Hello server\n");
    });
    latencies.push(performance.now() - start);
  }
  return latencies;
}

let attacking = false;
let attacks = 0;
/** The attacker: one bomb handshake in flight, again and again. */
async function attack(): Promise<void> {
  while (attacking) {
    await new Promise<void>((resolve) => {
      const socket = connect({
        host: "127.0.0.1",
        port,
        cert: forgedLeaf.pem + bomb.join(""),
        key: forgedLeaf.keyPem,
        rejectUnauthorized: false,
      });
      socket.on("error", () => {});
      socket.on("close", () => resolve());
      socket.on("secureConnect", () => socket.write("Hello server\n"));
      socket.resume();
    });
    attacks++;
  }
}

/** A well-behaved competitor, for comparison: one ordinary hello in flight, again and again. */
async function compete(): Promise<void> {
  while (attacking) await helloLatencies(1);
}

async function measureWith(load: () => Promise<void>): Promise<number[]> {
  attacking = true;
  const running = load();
  const latencies = await helloLatencies(ROUND_TRIPS);
  attacking = false;
  await running;
  return latencies;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
};
const show = (label: string, values: number[]) =>
  console.log(
    `${label.padEnd(54)} median ${percentile(values, 0.5).toFixed(2).padStart(7)} ms   p99 ${
      percentile(values, 0.99).toFixed(2).padStart(7)
    } ms`,
  );

console.log(`Deno ${Deno.version.deno}, in one process, ${ROUND_TRIPS} sequential hellos each`);
await helloLatencies(50); // warm-up
const quiet = await helloLatencies(ROUND_TRIPS);
const competed = await measureWith(compete);
const underAttack = await measureWith(attack);
show("hello round trip, alone", quiet);
show("hello round trip, next to an ordinary client", competed);
show(`hello round trip, next to bomb handshakes (N=${BOMB_SIZE})`, underAttack);
const ratio = (a: number[], b: number[]) => (percentile(a, 0.5) / percentile(b, 0.5)).toFixed(2);
console.log(
  `attacker handshakes ${attacks}, refused by the SPIFFE check ${refusals}; median under attack ` +
    `= ${ratio(underAttack, competed)}x next to an ordinary client (${
      ratio(underAttack, quiet)
    }x alone)`,
);
await new Promise((resolve) => server.close(resolve));
