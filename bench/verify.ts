// Measures verifyX509Svid (cold: first sight of a chain; cached: the same chain again;
// rejected: chains that fail) and SpiffeId.parse, in operations per second.
// Run: deno task bench:verify
import { X509Certificate } from "node:crypto";
import { SpiffeId, TrustDomain, verifyX509SvidSync, X509Bundle } from "../mod.ts";
import { TestCa } from "../tests/_helpers/ca.ts";

function measure(name: string, count: number, op: (i: number) => void): number {
  const start = performance.now();
  for (let i = 0; i < count; i++) op(i);
  const seconds = (performance.now() - start) / 1000;
  const rate = count / seconds;
  console.log(`${name.padEnd(52)} ${Math.round(rate).toLocaleString("en-US").padStart(12)} ops/s`);
  return rate;
}

const td = TrustDomain.parse("example.org");
const root = await TestCa.root();
const intermediate = await root.intermediate();
const bundle = X509Bundle.fromAuthorities(td, [root.cert.cert]);
const LEAVES = 300;
const chains: Uint8Array[][] = [];
for (let i = 0; i < LEAVES; i++) {
  const leaf = await intermediate.svid(`spiffe://example.org/workload-${i}`);
  chains.push([leaf.der, intermediate.cert.der]);
}
const stranger = await TestCa.root();
const strangerLeaf = await stranger.svid("spiffe://example.org/workload");
const impostor = await TestCa.root("example.org", { commonName: root.name.slice(3) });
const impostorLeaf = await impostor.svid("spiffe://example.org/workload");

console.log(`Deno ${Deno.version.deno}, leaf + intermediate chains, EC P-256`);
// Reference point: one raw ECDSA signature check with node:crypto.
const leafCert = new X509Certificate(chains[0][0]);
const reference = measure("node:crypto X509Certificate.verify (1 signature)", 2000, () => {
  leafCert.verify(intermediate.cert.cert.publicKey);
});
const cold = measure("verifyX509Svid cold (new chain each time)", LEAVES, (i) => {
  verifyX509SvidSync(chains[i], bundle);
});
const cached = measure("verifyX509Svid cached (same chains again)", 50_000, (i) => {
  verifyX509SvidSync(chains[i % LEAVES], bundle);
});
const reject = (chain: Uint8Array[]) => {
  try {
    verifyX509SvidSync(chain, bundle);
  } catch {
    return;
  }
  throw new Error("expected a rejection");
};
measure("verifyX509Svid rejected (unknown authority)", 20_000, () => reject([strangerLeaf.der]));
measure(
  "verifyX509Svid rejected (forged signature, same issuer name)",
  2000,
  () => reject([impostorLeaf.der]),
);
// The path-building bomb (issue #8): a leaf plus N CA certificates sharing one subject
// and one key, none trusted. Unbounded depth-first search took 10 s at N = 7; the
// bounded builder skips re-issued copies of a certificate already on the path.
for (const n of [4, 7, 10]) {
  const first = await TestCa.root("example.org", { commonName: `bomb ${n}` });
  const cas = [first];
  for (let i = 1; i < n; i++) {
    const options = { commonName: `bomb ${n}`, keys: first.cert.keys };
    cas.push(await TestCa.root("example.org", options));
  }
  const chain = [
    (await first.svid("spiffe://example.org/workload")).der,
    ...cas.map((ca) => ca.cert.der),
  ];
  const start = performance.now();
  reject(chain);
  const coldMs = performance.now() - start;
  console.log(
    `${`bomb N=${n}: first (cold) verification`.padEnd(52)} ${coldMs.toFixed(1).padStart(9)} ms`,
  );
  measure(`verifyX509Svid rejected (same-subject/same-key bomb, N=${n})`, 200, () => reject(chain));
}
const ids = Array.from({ length: 1000 }, (_, i) => `spiffe://example.org/ns/prod/sa/workload-${i}`);
measure("SpiffeId.parse", 500_000, (i) => SpiffeId.parse(ids[i % 1000]));
console.log(
  `ratios: cold verify = ${(cold / reference).toFixed(2)}x one raw signature check; ` +
    `cached = ${(cached / cold).toFixed(0)}x cold`,
);
