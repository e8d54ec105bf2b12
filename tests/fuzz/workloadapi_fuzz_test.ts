// Fuzz: decoding Workload API responses. Valid X509SVIDResponse, X509BundlesResponse,
// JWTBundlesResponse and JWTSVIDResponse messages are mutated either as protobuf bytes (kept
// when the generated codec still decodes them) or field by field (DER, keys, IDs, map keys,
// JWKS JSON, tokens), then handed to the response parsers the client uses; they must throw
// only SpiffeErrors (issue #8). The parsers are internal, so they are imported directly.
import { Buffer } from "node:buffer";
import { generateKeyPairSync } from "node:crypto";
import { JwtBundle, SpiffeError, TrustDomain } from "../../mod.ts";
import {
  parseJwtBundlesResponse,
  parseJwtSvidResponse,
  parseX509BundlesResponse,
  parseX509Context,
} from "../../src/workloadapi/_parse.ts";
import type {
  BundlesResponseMessage,
  JwtSvidResponseMessage,
  X509SvidResponseMessage,
} from "../../src/workloadapi/wire_messages.ts";
import {
  JWTBundlesResponse,
  JWTSVIDResponse,
  X509BundlesResponse,
  X509SVIDResponse,
} from "../../src/_proto/mod.ts";
import {
  assertExercised,
  assertOnlySpiffeErrors,
  generateCases,
  type Mutant,
  mutateBytes,
  mutateJsonText,
  mutateString,
  type Rng,
} from "./_fuzz.ts";
import { chain, SVID_ID } from "./_seeds.ts";
import { concatDer, TestCa } from "../_helpers/ca.ts";
import { mint } from "../_helpers/jwt.ts";

const ITERATIONS = 600;
const AUD = "spiffe://example.org/server";
const chains = await Promise.all((["P-256", "RSA", "Ed25519"] as const).map(chain));
const other = await TestCa.root("other.org");
const ALL_DER = chains.flatMap((c) => [c.leaf.der, c.intermediate.cert.der, c.root.cert.der]);
const KEY_DER = chains.map((c) => c.leaf.keyDer);
const MAP_KEYS = [
  "spiffe://other.org",
  "spiffe://example.org",
  "other.org",
  "spiffe://OTHER.org",
  "spiffe://other.org/path",
  "",
  "__proto__",
  "constructor",
  "toString",
];

/**
 * The generated codec, typed as the client sees it: grpc-js hands the parsers what
 * `decode` returns, cast to the structural wire types.
 */
interface Codec<M> {
  encode(message: M): { finish(): Uint8Array };
  decode(bytes: Uint8Array): M;
}

/** A decoded message plus the bytes it came from, for the failure preview. */
interface Decoded<M> {
  message: M;
  bytes: Uint8Array;
}

function show(input: Decoded<unknown>): string {
  return `${input.bytes.length} protobuf bytes: ${
    Buffer.from(input.bytes.subarray(0, 48)).toString("hex")
  }...`;
}

/**
 * Byte-level mutation of the encoded message (retried until the codec decodes it), or a
 * field-level mutation re-encoded through the codec.
 */
function mutantOf<M>(
  codec: Codec<M>,
  valid: () => M,
  mutateFields: (rng: Rng, message: M) => string,
): (rng: Rng) => Mutant<Decoded<M>> {
  return (rng) => {
    if (rng.chance(0.4)) {
      const encoded = codec.encode(valid()).finish();
      for (let attempt = 0; attempt < 20; attempt++) {
        const { input, mutation } = mutateBytes(rng, encoded, ALL_DER);
        try {
          return { input: { message: codec.decode(input), bytes: input }, mutation };
        } catch {
          // Not decodable: grpc-js reports that before any parser runs. Try another.
        }
      }
    }
    for (let attempt = 0; attempt < 20; attempt++) {
      const message = valid();
      const mutation = mutateFields(rng, message);
      const bytes = codec.encode(message).finish();
      try {
        return { input: { message: codec.decode(bytes), bytes }, mutation };
      } catch {
        // A string that protobuf cannot carry (a lone surrogate): no peer can send it.
      }
    }
    const bytes = codec.encode(valid()).finish();
    return { input: { message: codec.decode(bytes), bytes }, mutation: "unmutated" };
  };
}

function mutatedDer(rng: Rng, der: Uint8Array): Uint8Array {
  return mutateBytes(rng, der, ALL_DER).input;
}

function mutateMap(rng: Rng, map: Record<string, Uint8Array>, value: () => Uint8Array): string {
  const key = rng.chance(0.5) ? rng.pick(MAP_KEYS) : mutateString(rng, rng.pick(MAP_KEYS)).input;
  if (rng.chance(0.3)) {
    for (const name of Object.keys(map)) delete map[name];
    return "map-cleared";
  }
  Object.defineProperty(map, key, { value: value(), enumerable: true, configurable: true });
  return `map[${JSON.stringify(key.slice(0, 40))}]`;
}

type X509SvidResponse = X509SvidResponseMessage;

function validX509Response(): X509SvidResponse {
  return {
    svids: chains.slice(0, 2).map((c, i) => ({
      spiffeId: SVID_ID,
      x509Svid: concatDer(c.leaf.der, c.intermediate.cert.der),
      x509SvidKey: c.leaf.keyDer,
      bundle: concatDer(...chains.map((d) => d.root.cert.der)),
      hint: i === 0 ? "" : "internal",
    })),
    crl: [],
    federatedBundles: { "spiffe://other.org": other.cert.der },
  };
}

Deno.test("fuzz: parseX509Context throws only SpiffeErrors on mutated X509SVIDResponses", async () => {
  const seed = 0x5eed_a001;
  const stats = await assertOnlySpiffeErrors(
    ({ message }: Decoded<X509SvidResponse>) => parseX509Context(message),
    generateCases(
      seed,
      ITERATIONS,
      mutantOf(
        X509SVIDResponse as unknown as Codec<X509SvidResponse>,
        validX509Response,
        (rng, message) => {
          const svids = message.svids!;
          const svid = rng.pick(svids);
          switch (rng.int(8)) {
            case 0:
              svid.x509Svid = mutatedDer(rng, svid.x509Svid!);
              return "x509Svid";
            case 1:
              svid.x509SvidKey = rng.chance(0.3)
                ? rng.pick(KEY_DER)
                : mutateBytes(rng, svid.x509SvidKey!, KEY_DER).input;
              return "x509SvidKey";
            case 2:
              svid.bundle = mutatedDer(rng, svid.bundle!);
              return "bundle";
            case 3: {
              const { input, mutation } = mutateString(rng, svid.spiffeId ?? "");
              svid.spiffeId = input;
              return `spiffeId(${mutation})`;
            }
            case 4:
              svid.hint = rng.pick(["", "internal", "\uD800", "x".repeat(10_000)]);
              svids.push({ ...svid });
              return "hint+duplicate";
            case 5:
              return "federated " +
                mutateMap(
                  rng,
                  message.federatedBundles!,
                  () => rng.chance(0.5) ? mutatedDer(rng, other.cert.der) : rng.pick(ALL_DER),
                );
            case 6:
              message.crl = [rng.bytes(rng.range(0, 64))];
              svids.splice(rng.int(svids.length), 1);
              return "crl+drop-svid";
            default:
              for (const key of ["spiffeId", "x509Svid", "x509SvidKey", "bundle"] as const) {
                if (rng.chance(0.3)) {
                  delete svid[key];
                }
              }
              return "drop-fields";
          }
        },
      ),
    ),
    { seed, expected: SpiffeError, show },
  );
  assertExercised(stats, "parseX509Context");
});

type BundlesResponse = BundlesResponseMessage;

Deno.test("fuzz: parseX509BundlesResponse throws only SpiffeErrors on mutated messages", async () => {
  const seed = 0x5eed_a002;
  const valid = (): BundlesResponse => ({
    bundles: {
      "spiffe://example.org": concatDer(...chains.map((c) => c.root.cert.der)),
      "spiffe://other.org": other.cert.der,
    },
  });
  const stats = await assertOnlySpiffeErrors(
    ({ message }: Decoded<BundlesResponse>) => parseX509BundlesResponse(message),
    generateCases(
      seed,
      ITERATIONS,
      mutantOf(X509BundlesResponse as unknown as Codec<BundlesResponse>, valid, (rng, message) => {
        if (rng.chance(0.5)) {
          const key = rng.pick(Object.keys(message.bundles!));
          message.bundles![key] = mutatedDer(rng, message.bundles![key]);
          return `bundles[${key}]`;
        }
        return mutateMap(rng, message.bundles!, () => mutatedDer(rng, rng.pick(ALL_DER)));
      }),
    ),
    { seed, expected: SpiffeError, show },
  );
  assertExercised(stats, "parseX509BundlesResponse");
});

Deno.test("fuzz: parseJwtBundlesResponse throws only SpiffeErrors on mutated messages", async () => {
  const seed = 0x5eed_a003;
  const keys = {
    "ec-256": generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey,
    rsa: generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey,
    ed: generateKeyPairSync("ed25519").publicKey,
  };
  const jwks = JwtBundle.fromJwtAuthorities(
    TrustDomain.parse("example.org"),
    new Map(Object.entries(keys)),
  ).marshal();
  const encode = (text: string) => new TextEncoder().encode(text);
  const valid = (): BundlesResponse => ({
    bundles: { "spiffe://example.org": encode(jwks), "spiffe://other.org": encode('{"keys":[]}') },
  });
  const stats = await assertOnlySpiffeErrors(
    ({ message }: Decoded<BundlesResponse>) => parseJwtBundlesResponse(message),
    generateCases(
      seed,
      ITERATIONS,
      mutantOf(JWTBundlesResponse as unknown as Codec<BundlesResponse>, valid, (rng, message) => {
        if (rng.chance(0.7)) {
          const { input, mutation } = mutateJsonText(rng, jwks);
          message.bundles!["spiffe://example.org"] = encode(input);
          return `jwks(${mutation})`;
        }
        return mutateMap(rng, message.bundles!, () => encode(mutateJsonText(rng, jwks).input));
      }),
    ),
    { seed, expected: SpiffeError, show },
  );
  assertExercised(stats, "parseJwtBundlesResponse");
});

type JwtSvidResponse = JwtSvidResponseMessage;

Deno.test("fuzz: parseJwtSvidResponse throws only SpiffeErrors on mutated messages", async () => {
  const seed = 0x5eed_a004;
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const token = mint({ sub: SVID_ID, aud: [AUD], exp }, {
    key: privateKey,
    header: { alg: "ES256", kid: "k", typ: "JWT" },
  });
  const valid = (): JwtSvidResponse => ({
    svids: [
      { spiffeId: SVID_ID, svid: token, hint: "" },
      { spiffeId: "spiffe://example.org/other", svid: token, hint: "second" },
    ],
  });
  const stats = await assertOnlySpiffeErrors(
    ({ message }: Decoded<JwtSvidResponse>) => parseJwtSvidResponse(message, [AUD]),
    generateCases(
      seed,
      ITERATIONS,
      mutantOf(JWTSVIDResponse as unknown as Codec<JwtSvidResponse>, valid, (rng, message) => {
        const svid = rng.pick(message.svids!);
        switch (rng.int(4)) {
          case 0:
          case 1: {
            const { input, mutation } = mutateString(rng, svid.svid!);
            svid.svid = input;
            return `svid(${mutation})`;
          }
          case 2:
            svid.spiffeId = mutateString(rng, svid.spiffeId!).input;
            svid.hint = rng.pick(["", "second", "\uD800"]);
            return "spiffeId+hint";
          default:
            if (rng.chance(0.5)) delete svid.svid;
            else message.svids = [];
            return "drop";
        }
      }),
    ),
    { seed, expected: SpiffeError, show },
  );
  assertExercised(stats, "parseJwtSvidResponse");
});
