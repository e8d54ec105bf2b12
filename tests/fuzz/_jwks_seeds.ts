// JWKS documents marshalled by the library itself, as seeds for the bundle fuzz tests.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { JwtBundle, SpiffeBundle, TrustDomain } from "../../mod.ts";
import { chain } from "./_seeds.ts";

export const td = TrustDomain.parse("example.org");

/** Public keys of every JWT-SVID key type, by key ID. */
export const jwtKeys: Record<string, KeyObject> = {
  "ec-256": generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey,
  "ec-384": generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey,
  "ec-521": generateKeyPairSync("ec", { namedCurve: "P-521" }).publicKey,
  rsa: generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey,
  ed25519: generateKeyPairSync("ed25519").publicKey,
};

/** `JwtBundle.marshal` of one bundle per key, and of one with all of them. */
export function jwtBundleDocs(): string[] {
  const all = JwtBundle.fromJwtAuthorities(td, new Map(Object.entries(jwtKeys)));
  const single = Object.entries(jwtKeys).map(([kid, key]) =>
    JwtBundle.fromJwtAuthorities(td, new Map([[kid, key]])).marshal()
  );
  return [all.marshal(), ...single, '{"keys":[]}'];
}

/** `SpiffeBundle.marshal` of bundles with X.509 authorities of each key type and JWT keys. */
export async function spiffeBundleDocs(): Promise<string[]> {
  const roots = await Promise.all(
    (["P-256", "RSA", "Ed25519", "P-384"] as const).map(async (kind) => (await chain(kind)).root),
  );
  const full = new SpiffeBundle(td);
  for (const root of roots) full.addX509Authority(root.cert.cert);
  for (const [kid, key] of Object.entries(jwtKeys)) full.addJwtAuthority(kid, key);
  full.sequenceNumber = 2n ** 63n + 1n;
  full.refreshHint = 300_000;
  const x509Only = new SpiffeBundle(td);
  x509Only.addX509Authority(roots[0].cert.cert);
  x509Only.sequenceNumber = 0n;
  const jwtOnly = new SpiffeBundle(td);
  jwtOnly.addJwtAuthority("ec-256", jwtKeys["ec-256"]);
  jwtOnly.refreshHint = 1000;
  return [full.marshal(), x509Only.marshal(), jwtOnly.marshal()];
}
