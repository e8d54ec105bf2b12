// Fuzz: X509Bundle.parse (PEM) and X509Bundle.parseRaw (concatenated DER) throw only
// BundleError on mutated certificates; what they accept marshals and parses back (issue #8).
import assert from "node:assert/strict";
import { BundleError, TrustDomain, X509Bundle } from "../../mod.ts";
import {
  assertExercised,
  assertOnlySpiffeErrors,
  generateCases,
  type Mutant,
  mutateBytes,
  mutateString,
  refitOuterLength,
  type Rng,
} from "./_fuzz.ts";
import { chain, pemOf } from "./_seeds.ts";
import { concatDer } from "../_helpers/ca.ts";

const ITERATIONS = 800;
const td = TrustDomain.parse("example.org");
const chains = [await chain("P-256"), await chain("RSA"), await chain("Ed25519")];
const certs = chains.flatMap((c) => [c.root.cert.der, c.intermediate.cert.der, c.leaf.der]);
const bundles = chains.map((c) => X509Bundle.fromAuthorities(td, [c.root.cert.cert]));
bundles.push(X509Bundle.fromAuthorities(td, chains.map((c) => c.root.cert.cert)));
const derCorpus = [
  ...certs,
  ...chains.map((c) => concatDer(c.root.cert.der, c.intermediate.cert.der)),
];
const pemCorpus = [
  ...bundles.map((bundle) => bundle.marshal()),
  chains[0].leaf.pem + chains[0].leaf.keyPem,
  "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
];

/** What an accepted input must also survive. */
function roundTrip(bundle: X509Bundle): void {
  const again = X509Bundle.parse(td, bundle.marshal());
  assert.ok(again.equals(bundle), "x509bundle: marshal/parse round trip changed the bundle");
}

function derMutant(rng: Rng): Mutant<Uint8Array> {
  const base = rng.chance(0.7) ? rng.pick(derCorpus) : concatDer(rng.pick(certs), rng.pick(certs));
  if (rng.chance(0.5)) {
    // One certificate, its outer length refitted, so the certificate parser is reached.
    const { input, mutation } = mutateBytes(rng, rng.pick(certs), derCorpus, 2);
    return { input: refitOuterLength(input), mutation: `${mutation},refit` };
  }
  return mutateBytes(rng, base, derCorpus, 3);
}

Deno.test("fuzz: X509Bundle.parseRaw throws only BundleError on mutated DER", async () => {
  const seed = 0x5eed_b001;
  const stats = await assertOnlySpiffeErrors(
    (der: Uint8Array) => roundTrip(X509Bundle.parseRaw(td, der)),
    generateCases(seed, ITERATIONS, derMutant),
    { seed, expected: BundleError },
  );
  assertExercised(stats, "X509Bundle.parseRaw");
});

Deno.test("fuzz: X509Bundle.parse throws only BundleError on mutated PEM", async () => {
  const seed = 0x5eed_b002;
  const stats = await assertOnlySpiffeErrors(
    (pem: string | Uint8Array) => roundTrip(X509Bundle.parse(td, pem)),
    generateCases(seed, ITERATIONS, (rng): Mutant<string | Uint8Array> => {
      switch (rng.int(4)) {
        case 0: {
          // Mutated DER inside well-formed PEM, so the certificate parser is reached.
          const { input, mutation } = derMutant(rng);
          return { input: pemOf(input), mutation: `pem(${mutation})` };
        }
        case 1: {
          const { input, mutation } = mutateBytes(
            rng,
            new TextEncoder().encode(rng.pick(pemCorpus)),
          );
          return { input, mutation: `bytes(${mutation})` };
        }
        default:
          return mutateString(rng, rng.pick(pemCorpus), pemCorpus, 4);
      }
    }),
    { seed, expected: BundleError },
  );
  assertExercised(stats, "X509Bundle.parse");
});
