// Fuzz: verifyX509Svid and verifyX509SvidSync throw (or reject with) only X509SvidError on
// mutated peer chains: mutated leaf or intermediate DER, reordered, duplicated, dropped or
// junk certificates. And a valid chain with one unrelated, well-formed certificate appended
// still verifies (issue #8).
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import {
  TrustDomain,
  verifyX509Svid,
  verifyX509SvidSync,
  X509Bundle,
  X509SvidError,
} from "../../mod.ts";
import {
  assertExercised,
  assertOnlySpiffeErrors,
  generateCases,
  type Mutant,
  mutateBytes,
  preview,
  refitOuterLength,
  type Rng,
} from "./_fuzz.ts";
import { chain, SVID_ID } from "./_seeds.ts";
import { concatDer, TestCa } from "../_helpers/ca.ts";

const ITERATIONS = 800;
const td = TrustDomain.parse("example.org");
const chains = await Promise.all((["P-256", "RSA", "Ed25519", "P-384"] as const).map(chain));
const bundle = X509Bundle.fromAuthorities(td, chains.map((c) => c.root.cert.cert));
const otherRoot = await TestCa.root("other.org");
const UNRELATED = [
  otherRoot.cert,
  await otherRoot.svid("spiffe://other.org/stranger"),
  await (await otherRoot.intermediate("other.org")).svid("spiffe://other.org/deeper"),
  (await (await TestCa.root("example.org")).intermediate()).cert,
  await (await TestCa.root("example.org")).svid("spiffe://example.org/impostor"),
];
const ALL_DER = [
  ...chains.flatMap((c) => [c.leaf.der, c.intermediate.cert.der, c.root.cert.der]),
  ...UNRELATED.map((cert) => cert.der),
];

type Presented = (Uint8Array | X509Certificate)[];

function mutant(rng: Rng): Mutant<Presented> {
  const c = rng.pick(chains);
  let list: Uint8Array[] = [c.leaf.der, c.intermediate.cert.der];
  const steps: string[] = [];
  for (let round = rng.range(1, 3); round > 0; round--) {
    switch (rng.int(9)) {
      case 0:
      case 1:
      case 2: {
        // Mutate the leaf (or, a third of the time, any presented certificate).
        const at = rng.chance(0.66) || list.length < 2 ? 0 : rng.int(list.length);
        if (list.length === 0) break;
        const { input, mutation } = mutateBytes(rng, list[at], ALL_DER, 2);
        const refit = rng.chance(0.5);
        list[at] = refit ? refitOuterLength(input) : input;
        steps.push(`cert${at}(${mutation}${refit ? ",refit" : ""})`);
        break;
      }
      case 3:
        list = list.reverse();
        steps.push("reverse");
        break;
      case 4: {
        const at = rng.int(list.length);
        list.splice(rng.int(list.length + 1), 0, list[at] ?? c.leaf.der);
        steps.push(`dup${at}`);
        break;
      }
      case 5:
        list.splice(rng.int(list.length + 1), 0, rng.pick(ALL_DER));
        steps.push("insert-known");
        break;
      case 6: {
        const junk = rng.chance(0.5) ? rng.bytes(rng.range(0, 64)) : new Uint8Array([0x30, 0x00]);
        list.splice(rng.range(1, list.length), 0, junk);
        steps.push(`junk${junk.length}`);
        break;
      }
      case 7:
        if (list.length > 0) list.splice(rng.int(list.length), 1);
        steps.push("drop");
        break;
      default:
        list = list.concat(Array.from({ length: rng.range(2, 12) }, () => rng.pick(ALL_DER)));
        steps.push("pile");
    }
  }
  // Unmutated certificates may also come as X509Certificate objects.
  const presented: Presented = list.map((der) => {
    if (!rng.chance(0.3)) return der;
    try {
      return new X509Certificate(der);
    } catch {
      return der;
    }
  });
  return { input: presented, mutation: steps.join(",") };
}

function show(input: Presented): string {
  return `${input.length} certs: ` +
    input.map((cert) => cert instanceof X509Certificate ? "X509Certificate" : preview(cert, 32))
      .join("; ");
}

Deno.test("fuzz: verifyX509SvidSync throws only X509SvidError on mutated chains", async () => {
  const seed = 0x5eed_7e01;
  const stats = await assertOnlySpiffeErrors(
    (certs: Presented) => verifyX509SvidSync(certs, bundle),
    generateCases(seed, ITERATIONS, mutant),
    { seed, expected: X509SvidError, show },
  );
  assertExercised(stats, "verifyX509SvidSync");
});

Deno.test("fuzz: verifyX509Svid rejects only with X509SvidError on mutated chains", async () => {
  const seed = 0x5eed_7e02;
  const stats = await assertOnlySpiffeErrors(
    (certs: Presented) => {
      let promise: Promise<unknown>;
      try {
        promise = verifyX509Svid(certs, bundle);
      } catch (err) {
        throw new Error(`verifyX509Svid threw synchronously instead of rejecting: ${err}`);
      }
      return promise;
    },
    generateCases(seed, ITERATIONS, mutant),
    { seed, expected: X509SvidError, show },
  );
  assertExercised(stats, "verifyX509Svid");
});

Deno.test("fuzz: verifyX509SvidSync throws only X509SvidError with mutated bundle authorities", async () => {
  // X509Bundle.parseRaw accepts what node:crypto parses, which need not have a usable key:
  // such an authority, e.g. from a Workload API response, must not break verification.
  const seed = 0x5eed_7e03;
  const rootDer = chains.map((c) => c.root.cert.der);
  const stats = await assertOnlySpiffeErrors(
    ({ certs, authorities }: { certs: Presented; authorities: X509Bundle }) =>
      verifyX509SvidSync(certs, authorities),
    generateCases(seed, ITERATIONS / 2, (rng) => {
      const c = rng.pick(chains);
      for (let attempt = 0; attempt < 50; attempt++) {
        const at = rng.int(rootDer.length);
        const { input, mutation } = mutateBytes(rng, rootDer[at], ALL_DER, 2);
        const roots = rootDer.slice();
        roots[at] = refitOuterLength(input);
        if (rng.chance(0.3)) roots.reverse();
        try {
          const authorities = X509Bundle.parseRaw(td, concatDer(...roots));
          return {
            input: { certs: [c.leaf.der, c.intermediate.cert.der], authorities },
            mutation: `root${at}(${mutation})`,
          };
        } catch {
          // Not an authority a bundle can hold; mutate again.
        }
      }
      return {
        input: { certs: [c.leaf.der, c.intermediate.cert.der], authorities: bundle },
        mutation: "unmutated",
      };
    }),
    {
      seed,
      expected: X509SvidError,
      show: ({ authorities }) =>
        authorities.x509Authorities().map((cert) => preview(new Uint8Array(cert.raw), 32)).join(
          "; ",
        ),
    },
  );
  assert.equal(stats.runs, ITERATIONS / 2);
});

Deno.test("a valid chain with one unrelated well-formed certificate appended still verifies", async () => {
  for (const [i, c] of chains.entries()) {
    for (const [j, extra] of UNRELATED.entries()) {
      for (const form of ["der", "object"] as const) {
        const presented = [c.leaf.der, c.intermediate.cert.der, extra.der].map((der) =>
          form === "der" ? der : new X509Certificate(der)
        );
        const label = `chain ${i}, unrelated ${j}, as ${form}`;
        const sync = verifyX509SvidSync(presented, bundle);
        const verified = await verifyX509Svid(presented, bundle);
        for (const result of [sync, verified]) {
          assert.equal(result.id.toString(), SVID_ID, label);
          assert.deepEqual(
            result.verifiedChains[0].map((cert) => cert.fingerprint256),
            [c.leaf.cert, c.intermediate.cert.cert, c.root.cert.cert].map((cert) =>
              cert.fingerprint256
            ),
            label,
          );
        }
      }
    }
  }
});
