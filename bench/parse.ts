// Measures the parsing that every Workload API update and every bundle refresh goes
// through (PEM, DER, base64 in JWKS x5c, bundle maps, SVIDs) and bundle set lookups,
// in operations per second.
// Run: deno task bench (after bench/verify.ts)
import {
  JwtBundle,
  JwtBundleSet,
  SpiffeBundle,
  TrustDomain,
  X509Bundle,
  X509BundleSet,
  X509Svid,
} from "../mod.ts";
import { createPublicKey } from "node:crypto";
import { concatDer, TestCa } from "../tests/_helpers/ca.ts";

function measure(name: string, count: number, op: (i: number) => void): void {
  const start = performance.now();
  for (let i = 0; i < count; i++) op(i);
  const rate = count / ((performance.now() - start) / 1000);
  console.log(`${name.padEnd(52)} ${Math.round(rate).toLocaleString("en-US").padStart(12)} ops/s`);
}

const encoder = new TextEncoder();
const domains = ["example.org", "a.org", "b.org", "c.org"].map((name) => TrustDomain.parse(name));
const roots = await Promise.all(domains.map((td) => TestCa.root(td.name)));
const td = domains[0];
const root = roots[0];
const intermediate = await root.intermediate();
const leaf = await intermediate.svid("spiffe://example.org/workload");

// Three authorities in one bundle, in each form the library reads.
const authorities = [root.cert, intermediate.cert, roots[1].cert];
const bundlePem = authorities.map((cert) => cert.pem).join("");
const bundleDer = concatDer(...authorities.map((cert) => cert.der));
const spiffeJson = SpiffeBundle.fromX509Bundle(X509Bundle.parse(td, bundlePem)).marshal();
const jwtJson = encoder.encode(
  JwtBundle.fromJwtAuthorities(td, new Map([["k1", createPublicKey(leaf.privateKey)]])).marshal(),
);
const rawMap = new Map(domains.map((d, i) => [`spiffe://${d.name}`, roots[i].cert.der]));
const jwtMap = new Map(domains.map((d) => [`spiffe://${d.name}`, jwtJson]));
const chainPem = leaf.pem + intermediate.cert.pem;
const chainDer = concatDer(leaf.der, intermediate.cert.der);
const set = X509BundleSet.parseRawMap(rawMap);

console.log(`Deno ${Deno.version.deno}, EC P-256, bundles of 3 authorities, maps of 4 domains`);
measure("X509Bundle.parse (PEM)", 5_000, () => X509Bundle.parse(td, bundlePem));
measure("X509Bundle.parseRaw (DER)", 5_000, () => X509Bundle.parseRaw(td, bundleDer));
measure("SpiffeBundle.parse (JWKS, x5c base64)", 5_000, () => SpiffeBundle.parse(td, spiffeJson));
measure("X509BundleSet.parseRawMap", 5_000, () => X509BundleSet.parseRawMap(rawMap));
measure("JwtBundleSet.parseMap", 5_000, () => JwtBundleSet.parseMap(jwtMap));
measure("X509Svid.parse (PEM chain + key)", 2_000, () => X509Svid.parse(chainPem, leaf.keyPem));
measure(
  "X509Svid.parseRaw (DER chain + key)",
  2_000,
  () => X509Svid.parseRaw(chainDer, leaf.keyDer),
);
measure("X509BundleSet.getX509BundleForTrustDomain", 2_000_000, (i) => {
  set.getX509BundleForTrustDomain(domains[i % 4]);
});
