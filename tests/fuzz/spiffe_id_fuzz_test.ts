// Fuzz: SpiffeId.parse, SpiffeId.fromPath, SpiffeId.fromSegments and TrustDomain.parse throw
// only SpiffeIdError, whatever string they get (issue #8).
import assert from "node:assert/strict";
import { SpiffeId, SpiffeIdError, TrustDomain } from "../../mod.ts";
import {
  assertExercised,
  assertOnlySpiffeErrors,
  generateCases,
  type Mutant,
  mutateString,
  type Rng,
} from "./_fuzz.ts";

const ITERATIONS = 1500;
const IDS = [
  "spiffe://example.org",
  "spiffe://example.org/workload",
  "spiffe://example.org/ns/default/sa/server",
  "spiffe://a-b_c.d-0/e.f-g_h/1",
  "spiffe://example.org/%41/b",
  "SPIFFE://example.org/a",
  "spiffe://user@example.org:8443/a?b#c",
  "spiffe:///path",
  "spiffe://" + "a".repeat(255) + "/b",
  "spiffe://example.org/" + "a/".repeat(1000) + "b",
];
const DOMAINS = ["example.org", "spiffe://example.org", "a", "xn--bcher-kva.example", "1.2.3.4"];
const SEGMENTS = ["workload", "a.b-c_d", "", ".", "..", "a/b", "%41", "é"];

function mutant(rng: Rng, corpus: readonly string[]): Mutant<string> {
  if (rng.chance(0.05)) return { input: "", mutation: "empty" };
  return mutateString(rng, rng.pick(corpus), corpus, 4);
}

Deno.test("fuzz: SpiffeId.parse throws only SpiffeIdError", async () => {
  const seed = 0x5eed_1d01;
  const stats = await assertOnlySpiffeErrors(
    (text: string) => SpiffeId.parse(text),
    generateCases(seed, ITERATIONS, (rng) => mutant(rng, IDS)),
    { seed, expected: SpiffeIdError },
  );
  assertExercised(stats, "SpiffeId.parse");
});

Deno.test("fuzz: TrustDomain.parse throws only SpiffeIdError", async () => {
  const seed = 0x5eed_1d02;
  const stats = await assertOnlySpiffeErrors(
    (text: string) => TrustDomain.parse(text),
    generateCases(seed, ITERATIONS, (rng) => mutant(rng, [...DOMAINS, ...IDS])),
    { seed, expected: SpiffeIdError },
  );
  assertExercised(stats, "TrustDomain.parse");
});

Deno.test("fuzz: SpiffeId.fromSegments and fromPath throw only SpiffeIdError", async () => {
  const seed = 0x5eed_1d03;
  const td = TrustDomain.parse("example.org");
  const stats = await assertOnlySpiffeErrors(
    ({ path, segments }: { path: string; segments: string[] }) => {
      let fromPath: SpiffeId | undefined;
      try {
        fromPath = SpiffeId.fromPath(td, path);
      } catch (err) {
        if (!(err instanceof SpiffeIdError)) throw err;
      }
      const id = SpiffeId.fromSegments(td, ...segments);
      // What one constructor accepts must round-trip through the parser.
      assert.equal(SpiffeId.parse(id.toString()).toString(), id.toString());
      if (fromPath) assert.equal(SpiffeId.parse(fromPath.toString()).path, path);
    },
    generateCases(seed, ITERATIONS, (rng) => {
      const count = rng.range(0, 4);
      const segments: string[] = [];
      const steps: string[] = [];
      for (let i = 0; i < count; i++) {
        const base = rng.pick(SEGMENTS);
        if (rng.chance(0.5)) {
          segments.push(base);
        } else {
          const { input, mutation } = mutateString(rng, base, SEGMENTS);
          segments.push(input);
          steps.push(`seg${i}:${mutation}`);
        }
      }
      const path = rng.chance(0.5)
        ? segments.map((segment) => `/${segment}`).join("")
        : mutateString(rng, "/a/b", IDS).input;
      return { input: { path, segments }, mutation: steps.join(" ") || "unmutated" };
    }),
    { seed, expected: SpiffeIdError },
  );
  assertExercised(stats, "SpiffeId.fromSegments");
});
