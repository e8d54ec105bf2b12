// Fuzz: SpiffeBundle.parse throws only BundleError on mutated JWKS documents (x5c
// certificates, JWT keys, sequence and refresh hint); what it accepts marshals and parses
// back (issue #8).
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { BundleError, SpiffeBundle } from "../../mod.ts";
import {
  assertExercised,
  assertOnlySpiffeErrors,
  generateCases,
  type JsonTree,
  type Mutant,
  mutateBytes,
  mutateJsonText,
  refitOuterLength,
  stringifyJson,
} from "./_fuzz.ts";
import { spiffeBundleDocs, td } from "./_jwks_seeds.ts";

const ITERATIONS = 1500;
const docs = await spiffeBundleDocs();

function roundTrip(bundle: SpiffeBundle): void {
  const again = SpiffeBundle.parse(td, bundle.marshal());
  assert.ok(again.equals(bundle), "spiffebundle: marshal/parse round trip changed the bundle");
}

/** The document with the DER of one x5c certificate mutated (base64 kept valid). */
function mutateX5c(rng: Parameters<typeof mutateBytes>[0], json: string): Mutant<string> {
  const doc = JSON.parse(json) as { keys: { x5c?: string[] }[] };
  const entries = doc.keys.filter((key) => key.x5c !== undefined);
  if (entries.length === 0) return { input: json, mutation: "x5c(none)" };
  const entry = rng.pick(entries);
  const der = new Uint8Array(Buffer.from(entry.x5c![0], "base64"));
  const { input, mutation } = mutateBytes(rng, der, [], 2);
  const refit = rng.chance(0.5);
  entry.x5c![0] = Buffer.from(refit ? refitOuterLength(input) : input).toString("base64");
  return {
    input: stringifyJson(doc as unknown as JsonTree),
    mutation: `x5c(${mutation}${refit ? ",refit" : ""})`,
  };
}

Deno.test("fuzz: SpiffeBundle.parse throws only BundleError on mutated JWKS", async () => {
  const seed = 0x5eed_5b01;
  const stats = await assertOnlySpiffeErrors(
    (json: string | Uint8Array) => roundTrip(SpiffeBundle.parse(td, json)),
    generateCases(seed, ITERATIONS, (rng): Mutant<string | Uint8Array> => {
      const base = rng.pick(docs);
      switch (rng.int(6)) {
        case 0:
          return mutateX5c(rng, base);
        case 1:
          return mutateBytes(rng, new TextEncoder().encode(base), [], 2);
        default:
          return mutateJsonText(rng, base, docs);
      }
    }),
    { seed, expected: BundleError },
  );
  assertExercised(stats, "SpiffeBundle.parse");
});
