// Fuzz: JwtSvid.parseInsecure and JwtSvid.parseAndValidate (against a real bundle) throw only
// JwtSvidError on mutated tokens: characters, base64url, each segment (JSON structure of
// header and payload, signature bytes), alg/kid/typ/crit and aud/exp/nbf/iat/sub, with and
// without a re-signature so that the checks after the signature are reached (issue #8).
import { Buffer } from "node:buffer";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { JwtBundle, JwtSvid, JwtSvidError, TrustDomain } from "../../mod.ts";
import {
  assertExercised,
  assertOnlySpiffeErrors,
  generateCases,
  interestingJson,
  type JsonTree,
  type Mutant,
  mutateBytes,
  mutateJsonTree,
  mutateString,
  type Rng,
  stringifyJson,
} from "./_fuzz.ts";
import { signInput } from "../_helpers/jwt.ts";

const ITERATIONS = 1500;
const td = TrustDomain.parse("example.org");
const AUD = "spiffe://example.org/server";
const NOW = new Date();
const nowSeconds = Math.floor(NOW.getTime() / 1000);

interface Signer {
  alg: string;
  kid: string;
  privateKey: KeyObject;
}

const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
const p521 = generateKeyPairSync("ec", { namedCurve: "P-521" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ed = generateKeyPairSync("ed25519");
const SIGNERS: Signer[] = [
  { alg: "ES256", kid: "ec-256", privateKey: p256.privateKey },
  { alg: "ES384", kid: "ec-384", privateKey: p384.privateKey },
  { alg: "ES512", kid: "ec-521", privateKey: p521.privateKey },
  { alg: "RS256", kid: "rsa", privateKey: rsa.privateKey },
  { alg: "PS384", kid: "rsa", privateKey: rsa.privateKey },
];
const bundle = JwtBundle.fromJwtAuthorities(
  td,
  new Map<string, KeyObject>([
    ["ec-256", p256.publicKey],
    ["ec-384", p384.publicKey],
    ["ec-521", p521.publicKey],
    ["rsa", rsa.publicKey],
    // A key type no JWT-SVID alg may use, so that alg/key mismatches are reached.
    ["ed", ed.publicKey],
  ]),
);

function b64(text: string | Uint8Array): string {
  return Buffer.from(text).toString("base64url");
}

function sign(signer: Signer, header: string, payload: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${b64(signInput(signer.alg, signer.privateKey, input))}`;
}

interface Seed {
  signer: Signer;
  header: Record<string, JsonTree>;
  payload: Record<string, JsonTree>;
  token: string;
}

/** Valid tokens, minted once: every signer, with and without typ and optional claims. */
const SEEDS: Seed[] = SIGNERS.flatMap((signer) =>
  [0, 1, 2, 3].map((variant) => {
    const header: Record<string, JsonTree> = { alg: signer.alg, kid: signer.kid };
    if (variant & 1) header.typ = variant & 2 ? "JOSE" : "JWT";
    const payload: Record<string, JsonTree> = {
      sub: "spiffe://example.org/workload",
      aud: variant & 2 ? [AUD, "spiffe://example.org/other"] : AUD,
      exp: nowSeconds + 3600,
    };
    if (variant & 1) Object.assign(payload, { iat: nowSeconds - 10, nbf: nowSeconds - 10 });
    if (variant === 3) payload.iss = "spiffe://example.org";
    const token = sign(signer, stringifyJson(header), stringifyJson(payload));
    return { signer, header, payload, token };
  })
);

const HEADER_VALUES: Record<string, JsonTree[]> = {
  alg: [
    "none",
    "HS256",
    "ES256",
    "ES384",
    "ES512",
    "RS256",
    "PS256",
    "EdDSA",
    "ES256K",
    "",
    1,
    null,
    [
      "ES256",
    ],
    "__proto__",
    "toString",
  ],
  kid: ["", "ec-256", "rsa", "ed", "missing", "__proto__", "constructor", 1, null, ["rsa"], {}],
  typ: ["JWT", "JOSE", "jwt", "", 1, null, "at+jwt"],
  crit: [["exp"], [], "exp", null],
};
const CLAIM_VALUES: Record<string, JsonTree[]> = {
  sub: [
    "",
    "spiffe://example.org",
    "spiffe://other.org/w",
    "spiffe://EXAMPLE.org/w",
    "x",
    1,
    [],
    null,
  ],
  aud: ["", [], [""], [AUD, 1], 5, { a: AUD }, null, Array.from({ length: 1000 }, () => AUD)],
  exp: [0, -1, 1.5, "1", nowSeconds - 3600, 8.64e12, 8.64e12 + 1, 2 ** 63, null, [], true],
  nbf: [nowSeconds + 3600, -1e20, 8.64e12 + 1, "now", null],
  iat: [nowSeconds + 3600, 1e300, -0, "0", null],
};

function targeted(rng: Rng, values: Record<string, JsonTree[]>, obj: Record<string, JsonTree>) {
  const name = rng.pick(Object.keys(values));
  let value = rng.chance(0.7) ? rng.pick(values[name]) : interestingJson(rng);
  if (rng.chance(0.1)) value = interestingJson(rng);
  if (rng.chance(0.15)) delete obj[name];
  else obj[name] = value;
  return name;
}

/** A valid token for a random signer, then one to three mutations. */
function mutant(rng: Rng): Mutant<string> {
  const seed = rng.pick(SEEDS);
  const { signer, token: valid } = seed;
  let header: JsonTree = { ...seed.header };
  let payload: JsonTree = structuredClone(seed.payload);
  const steps: string[] = [];
  switch (rng.int(7)) {
    case 0:
      return mutateString(rng, valid, [], 3);
    case 1: {
      // One segment's bytes.
      const parts = valid.split(".");
      const which = rng.int(3);
      const { input, mutation } = mutateBytes(
        rng,
        new Uint8Array(Buffer.from(parts[which], "base64url")),
      );
      parts[which] = b64(input);
      return { input: parts.join("."), mutation: `seg${which}(${mutation})` };
    }
    case 2: {
      // base64url spelling: padding, standard alphabet, whitespace, non-canonical bits.
      const parts = valid.split(".");
      const which = rng.int(3);
      const forms = [
        () => parts[which] + "=",
        () => parts[which] + "==",
        () => Buffer.from(parts[which], "base64url").toString("base64"),
        () => parts[which].replace(/-/g, "+").replace(/_/g, "/"),
        () => ` ${parts[which]}`,
        () => parts[which] + "\n",
        () => parts[which].slice(0, -1) + rng.pick(["B", "C", "D", "-", "_", "9"]),
        () => parts[which] + "A",
      ];
      const form = rng.int(forms.length);
      parts[which] = forms[form]();
      return { input: parts.join("."), mutation: `b64form${form}@seg${which}` };
    }
    case 3: {
      // Segment structure.
      const parts = valid.split(".");
      const forms = [
        () => parts.slice(0, 2).join("."),
        () => [...parts, parts[2]].join("."),
        () => [parts[1], parts[0], parts[2]].join("."),
        () => `${parts[0]}..${parts[2]}`,
        () => `..`,
        () => `${parts[0]}.${parts[1]}.`,
        () => parts.join(".."),
        () => `${parts[0]}.${parts[0]}.${parts[2]}`,
      ];
      const form = rng.int(forms.length);
      return { input: forms[form](), mutation: `segments${form}` };
    }
    default:
      break;
  }
  // JSON-level mutations of the header and/or payload, re-signed half of the time.
  for (let round = rng.range(1, 3); round > 0; round--) {
    const onHeader = rng.chance(0.4);
    const target = onHeader ? header : payload;
    if (
      rng.chance(0.6) && target !== null && typeof target === "object" && !Array.isArray(target)
    ) {
      const name = targeted(
        rng,
        onHeader ? HEADER_VALUES : CLAIM_VALUES,
        target as Record<string, JsonTree>,
      );
      steps.push(`${onHeader ? "header" : "claim"}.${name}`);
    } else {
      const { input, mutation } = mutateJsonTree(rng, target);
      if (onHeader) header = input;
      else payload = input;
      steps.push(`${onHeader ? "header" : "payload"}:${mutation}`);
    }
  }
  const headerText = stringifyJson(header);
  const payloadText = stringifyJson(payload);
  if (rng.chance(0.5)) {
    return {
      input: sign(signer, headerText, payloadText),
      mutation: `${steps.join(",")},resigned`,
    };
  }
  const signature = valid.split(".")[2];
  return {
    input: `${b64(headerText)}.${b64(payloadText)}.${signature}`,
    mutation: steps.join(","),
  };
}

Deno.test("fuzz: JwtSvid.parseInsecure throws only JwtSvidError on mutated tokens", async () => {
  const seed = 0x5eed_7501;
  const stats = await assertOnlySpiffeErrors(
    (token: string) => JwtSvid.parseInsecure(token, AUD, { time: NOW }),
    generateCases(seed, ITERATIONS, mutant),
    { seed, expected: JwtSvidError },
  );
  assertExercised(stats, "JwtSvid.parseInsecure");
});

Deno.test("fuzz: JwtSvid.parseAndValidate throws only JwtSvidError on mutated tokens", async () => {
  const seed = 0x5eed_7502;
  const stats = await assertOnlySpiffeErrors(
    (token: string) => JwtSvid.parseAndValidate(token, bundle, [AUD], { time: NOW }),
    generateCases(seed, ITERATIONS, mutant),
    { seed, expected: JwtSvidError },
  );
  assertExercised(stats, "JwtSvid.parseAndValidate");
});
