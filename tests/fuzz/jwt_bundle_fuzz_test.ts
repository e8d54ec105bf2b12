// Fuzz: JwtBundle.parse throws only BundleError on mutated JWKS documents; what it accepts
// marshals and parses back (issue #8).
import assert from "node:assert/strict";
import { BundleError, JwtBundle } from "../../mod.ts";
import {
  assertExercised,
  assertOnlySpiffeErrors,
  generateCases,
  type Mutant,
  mutateBytes,
  mutateJsonText,
} from "./_fuzz.ts";
import { jwtBundleDocs, td } from "./_jwks_seeds.ts";

const ITERATIONS = 1500;
const docs = jwtBundleDocs();

function roundTrip(bundle: JwtBundle): void {
  const again = JwtBundle.parse(td, bundle.marshal());
  assert.ok(again.equals(bundle), "jwtbundle: marshal/parse round trip changed the bundle");
}

Deno.test("fuzz: JwtBundle.parse throws only BundleError on mutated JWKS", async () => {
  const seed = 0x5eed_4b01;
  const stats = await assertOnlySpiffeErrors(
    (json: string | Uint8Array) => roundTrip(JwtBundle.parse(td, json)),
    generateCases(seed, ITERATIONS, (rng): Mutant<string | Uint8Array> => {
      const base = rng.pick(docs);
      if (rng.chance(0.15)) return mutateBytes(rng, new TextEncoder().encode(base), [], 2);
      return mutateJsonText(rng, base, docs);
    }),
    { seed, expected: BundleError },
  );
  assertExercised(stats, "JwtBundle.parse");
});
