// Fuzz: X509Svid.parseRaw (DER) and X509Svid.parse (PEM) throw only X509SvidError on mutated
// chains and keys of a valid SVID: mutated certificates, reordered or mixed chains, mutated,
// mismatched and unusual (X25519, X448, Ed448, secp256k1, P-521, DSA, RSA-512) PKCS#8 keys (issue #8).
import { Buffer } from "node:buffer";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { X509Svid, X509SvidError } from "../../mod.ts";
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

const ITERATIONS = 1000;
const chains = await Promise.all((["P-256", "RSA", "Ed25519", "P-384"] as const).map(chain));

function pkcs8({ privateKey }: { privateKey: KeyObject }): Uint8Array {
  return new Uint8Array(privateKey.export({ format: "der", type: "pkcs8" }));
}

const ODD_KEYS = [
  pkcs8(generateKeyPairSync("x25519")),
  pkcs8(generateKeyPairSync("ed448")),
  pkcs8(generateKeyPairSync("ec", { namedCurve: "secp256k1" })),
  pkcs8(generateKeyPairSync("ec", { namedCurve: "P-521" })),
  pkcs8(generateKeyPairSync("dsa", { modulusLength: 1024, divisorLength: 160 })),
  pkcs8(generateKeyPairSync("x448")),
  pkcs8(generateKeyPairSync("rsa", { modulusLength: 512 })),
];
const KEYS = [...chains.map((c) => c.leaf.keyDer), ...ODD_KEYS];
const CERTS = chains.flatMap((c) => [c.leaf.der, c.intermediate.cert.der, c.root.cert.der]);

interface SvidInput<T> {
  certs: T;
  key: T;
}

/** A chain and key as DER: a valid SVID, then mutations of its chain, its key, or both. */
function derMutant(rng: Rng): Mutant<SvidInput<Uint8Array>> {
  const c = rng.pick(chains);
  let certList = [c.leaf.der, c.intermediate.cert.der];
  let key = c.leaf.keyDer;
  const steps: string[] = [];
  switch (rng.int(8)) {
    case 0:
      certList = certList.reverse();
      steps.push("reverse");
      break;
    case 1:
      certList.push(rng.pick(CERTS));
      steps.push("append");
      break;
    case 2:
      key = rng.pick(KEYS);
      steps.push(`key=${KEYS.indexOf(key)}`);
      break;
    case 3:
      certList = [rng.pick(CERTS), ...certList.slice(1)];
      steps.push("leaf=other");
      break;
    default:
      break;
  }
  // Mostly one thing at a time, so that each later check (chain rules, key type, key match)
  // is reached by inputs that pass the earlier ones.
  const roll = rng.int(20);
  const mutateCerts = roll < 9 || roll >= 17;
  const mutateKey = roll >= 9 && roll < 19;
  if (mutateCerts && rng.chance(0.8)) {
    const at = rng.int(certList.length);
    const { input, mutation } = mutateBytes(rng, certList[at], CERTS, 2);
    const refit = rng.chance(0.5);
    certList[at] = refit ? refitOuterLength(input) : input;
    steps.push(`cert${at}(${mutation}${refit ? ",refit" : ""})`);
  }
  let certs = concatDer(...certList);
  if (mutateCerts && !steps.some((step) => step.startsWith("cert"))) {
    const { input, mutation } = mutateBytes(rng, certs, CERTS);
    certs = input;
    steps.push(`certs(${mutation})`);
  }
  if (mutateKey) {
    const { input, mutation } = mutateBytes(rng, key, KEYS, 2);
    key = input;
    steps.push(`key(${mutation})`);
  }
  return { input: { certs, key }, mutation: steps.join(",") };
}

function pemKey(der: Uint8Array): string {
  const lines = Buffer.from(der).toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----\n`;
}

function show(input: SvidInput<Uint8Array | string>): string {
  const one = (value: Uint8Array | string) =>
    typeof value === "string"
      ? `${value.length} chars`
      : `${value.length} bytes ${Buffer.from(value.subarray(0, 24)).toString("hex")}...`;
  return `certs ${one(input.certs)}, key ${one(input.key)}`;
}

Deno.test("fuzz: X509Svid.parseRaw throws only X509SvidError on mutated DER", async () => {
  const seed = 0x5eed_5d01;
  const stats = await assertOnlySpiffeErrors(
    ({ certs, key }: SvidInput<Uint8Array>) => X509Svid.parseRaw(certs, key),
    generateCases(seed, ITERATIONS, derMutant),
    { seed, expected: X509SvidError, show },
  );
  assertExercised(stats, "X509Svid.parseRaw");
});

Deno.test("fuzz: X509Svid.parse throws only X509SvidError on mutated PEM", async () => {
  const seed = 0x5eed_5d02;
  const pemCorpus = chains.flatMap((c) => [
    pemOf(c.leaf.der, c.intermediate.cert.der),
    c.leaf.keyPem,
  ]);
  const stats = await assertOnlySpiffeErrors(
    ({ certs, key }: SvidInput<string>) => X509Svid.parse(certs, key),
    generateCases(seed, ITERATIONS, (rng): Mutant<SvidInput<string>> => {
      const { input, mutation } = derMutant(rng);
      const pem = { certs: pemOf(...splitLoosely(input.certs)), key: pemKey(input.key) };
      if (rng.chance(0.3)) {
        const which = rng.chance(0.5) ? "certs" : "key";
        const text = mutateString(rng, pem[which], pemCorpus);
        pem[which] = text.input;
        return { input: pem, mutation: `${mutation},pem.${which}(${text.mutation})` };
      }
      return { input: pem, mutation };
    }),
    { seed, expected: X509SvidError, show },
  );
  assertExercised(stats, "X509Svid.parse");
});

/** One PEM block per certificate where the (mutated) DER still splits, else one block. */
function splitLoosely(der: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let offset = 0;
  while (offset < der.length) {
    if (der[offset] !== 0x30 || offset + 4 > der.length || der[offset + 1] !== 0x82) break;
    const end = offset + 4 + ((der[offset + 2] << 8) | der[offset + 3]);
    if (end > der.length) break;
    parts.push(der.subarray(offset, end));
    offset = end;
  }
  if (offset < der.length) parts.push(der.subarray(offset));
  return parts;
}
