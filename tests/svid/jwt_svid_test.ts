import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { constants, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { JwtSvid } from "../../src/svid/jwt_svid.ts";
import {
  BundleError,
  JwtBundle,
  JwtBundleSet,
  type JwtBundleSource,
  JwtSvidError,
  type JwtSvidErrorReason,
  SpiffeIdError,
  TrustDomain,
} from "../../mod.ts";
import { assertThrowsReason } from "../_helpers/assert.ts";
import { b64url, mint, signInput } from "../_helpers/jwt.ts";

const TD = TrustDomain.parse("example.org");
const ID = "spiffe://example.org/workload";
const AUD = "spiffe://example.org/server";
const CRYPTO_ERROR =
  "jwtsvid: unable to get claims from token: go-jose/go-jose: error in cryptographic primitive";
const NBF_ERROR = "go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)";
const IAT_ERROR = "go-jose/go-jose/jwt: validation field, token issued in the future (iat)";

const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
const p521 = generateKeyPairSync("ec", { namedCurve: "P-521" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const attacker = generateKeyPairSync("ec", { namedCurve: "P-256" });

const KEYS: Record<string, { kid: string; privateKey: KeyObject }> = {
  ES256: { kid: "ec-256", privateKey: p256.privateKey },
  ES384: { kid: "ec-384", privateKey: p384.privateKey },
  ES512: { kid: "ec-521", privateKey: p521.privateKey },
  RS256: { kid: "rsa", privateKey: rsa.privateKey },
  RS384: { kid: "rsa", privateKey: rsa.privateKey },
  RS512: { kid: "rsa", privateKey: rsa.privateKey },
  PS256: { kid: "rsa", privateKey: rsa.privateKey },
  PS384: { kid: "rsa", privateKey: rsa.privateKey },
  PS512: { kid: "rsa", privateKey: rsa.privateKey },
};

const bundle = new JwtBundle(TD);
bundle.addJwtAuthority("ec-256", p256.publicKey);
bundle.addJwtAuthority("ec-384", p384.publicKey);
bundle.addJwtAuthority("ec-521", p521.publicKey);
bundle.addJwtAuthority("rsa", rsa.publicKey);

/** The current time in whole seconds, as NumericDates are written. */
const nowSeconds = () => Math.floor(Date.now() / 1000);
/** A fixed validation time for the leeway tests. */
const T0 = new Date("2030-01-01T00:00:00Z");
const T0S = T0.getTime() / 1000;

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: ID, aud: [AUD], exp: nowSeconds() + 300, iat: nowSeconds(), ...extra };
}

/** A token signed with the trusted key for `alg`, header `{alg, kid, typ: "JWT"}` + `header`. */
function token(
  body: Record<string, unknown> | string = claims(),
  header: Record<string, unknown> = {},
  alg = "ES256",
): string {
  const { kid, privateKey } = KEYS[alg] ?? KEYS.ES256;
  return mint(body, { key: privateKey, header: { alg, kid, typ: "JWT", ...header }, signAs: alg });
}

function validate(tok: string, aud: string | string[] = AUD, time?: Date): JwtSvid {
  return JwtSvid.parseAndValidate(tok, bundle, aud, time ? { time } : {});
}

/** Asserts a JwtSvidError: its `reason` first, then its code and exact `message`. */
function throws(
  fn: () => unknown,
  reason: JwtSvidErrorReason,
  message: string | RegExp,
): JwtSvidError {
  return assertThrowsReason(fn, JwtSvidError, "ERR_JWT_SVID", reason, message);
}

/** Asserts that both parse functions fail with `reason` and `message`. */
function bothThrow(
  tok: string,
  reason: JwtSvidErrorReason,
  message: string | RegExp,
  aud: string | string[] = AUD,
): void {
  throws(() => validate(tok, aud), reason, message);
  throws(() => JwtSvid.parseInsecure(tok, aud), reason, message);
}

/** A bundle source that records every lookup. */
function spySource(): JwtBundleSource & { calls: number } {
  return {
    calls: 0,
    getJwtBundleForTrustDomain(td) {
      this.calls++;
      return bundle.getJwtBundleForTrustDomain(td);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Valid tokens

Deno.test("validates a token signed with every allowed algorithm", () => {
  for (const alg of Object.keys(KEYS)) {
    const body = claims({ iss: "issuer", jti: "id-1", custom: { nested: [1, "two"] } });
    const tok = token(body, {}, alg);
    const svid = validate(tok);
    assert.equal(svid.id.toString(), ID, alg);
    assert.deepEqual(svid.audience, [AUD]);
    assert.equal(svid.expiresAt.getTime(), (body.exp as number) * 1000);
    assert.deepEqual(svid.claims, body);
    assert.equal(svid.hint, "");
    assert.equal(svid.token, tok);
    assert.equal(svid.marshal(), tok);
  }
});

Deno.test("accepts aud as a string or an array, and any of several expected audiences", () => {
  const single = validate(token(claims({ aud: AUD })));
  assert.deepEqual(single.audience, [AUD]);
  assert.equal(single.claims.aud, AUD);

  const many = token(claims({ aud: ["a", AUD, "b"] }));
  assert.deepEqual(validate(many).audience, ["a", AUD, "b"]);
  assert.deepEqual(validate(many, ["x", "b"]).audience, ["a", AUD, "b"]);
  assert.deepEqual(validate(single.token, ["x", "y", AUD]).audience, [AUD]);
});

Deno.test("accepts typ JOSE or no typ, and carries the hint", () => {
  validate(token(claims(), { typ: "JOSE" }));
  const tok = token(claims(), { typ: undefined });
  assert.ok(!JSON.parse(Buffer.from(tok.split(".")[0], "base64url").toString()).typ);
  const svid = JwtSvid.parseAndValidate(tok, bundle, AUD, { hint: "internal" });
  assert.equal(svid.hint, "internal");
});

Deno.test("works with any JwtBundleSource, such as a JwtBundleSet", () => {
  const set = new JwtBundleSet(new JwtBundle(TrustDomain.parse("other.org")), bundle);
  assert.equal(JwtSvid.parseAndValidate(token(), set, AUD).id.toString(), ID);
});

Deno.test("claims are a deeply frozen copy and audience a fresh array", () => {
  const svid = validate(token(claims({ custom: { list: [1] } })));
  assert.ok(Object.isFrozen(svid.claims));
  assert.ok(Object.isFrozen(svid.claims.custom));
  assert.ok(Object.isFrozen((svid.claims.custom as { list: number[] }).list));
  assert.throws(() => {
    (svid.claims as Record<string, unknown>).sub = "spiffe://evil.org/x";
  }, TypeError);
  svid.audience.push("extra");
  assert.deepEqual(svid.audience, [AUD]);
  const expiresAt = svid.expiresAt;
  expiresAt.setTime(0);
  assert.notEqual(svid.expiresAt.getTime(), 0);
});

Deno.test("accepts a root SPIFFE ID as subject, as go-spiffe does", () => {
  assert.equal(validate(token(claims({ sub: "spiffe://example.org" }))).id.path, "");
});

Deno.test("truncates fractional NumericDates as go-jose does", () => {
  const exp = T0S + 100.9;
  const svid = validate(token(claims({ exp, iat: T0S + 60.9 })), AUD, T0);
  assert.equal(svid.expiresAt.getTime(), (T0S + 100) * 1000);
  assert.equal(svid.claims.exp, exp);
});

// ---------------------------------------------------------------------------------------------
// Audience argument

Deno.test("an empty expected audience is a TypeError, checked before the token", () => {
  for (const aud of [[], "", [""], ["ok", ""], [1 as unknown as string]]) {
    assert.throws(() => JwtSvid.parseAndValidate(token(), bundle, aud), TypeError);
    assert.throws(() => JwtSvid.parseInsecure(token(), aud), TypeError);
    assert.throws(() => JwtSvid.parseInsecure("garbage", aud), {
      name: "TypeError",
      message: "audience must be a non-empty string or a non-empty array of non-empty strings",
    });
  }
  assert.throws(() => JwtSvid.parseInsecure(token(), undefined as unknown as string), TypeError);
});

Deno.test("other bad arguments are TypeErrors", () => {
  assert.throws(() => JwtSvid.parseInsecure(42 as unknown as string, AUD), TypeError);
  assert.throws(() => JwtSvid.parseAndValidate(token(), {} as JwtBundleSource, AUD), TypeError);
  assert.throws(
    () => JwtSvid.parseInsecure(token(), AUD, { time: new Date(NaN) }),
    { name: "TypeError", message: "options.time must be a valid Date" },
  );
  assert.throws(
    () => JwtSvid.parseInsecure(token(), AUD, { hint: 1 as unknown as string }),
    TypeError,
  );
});

// ---------------------------------------------------------------------------------------------
// Compact JWS structure

Deno.test("rejects tokens that are not three strict base64url parts", () => {
  const good = token();
  const [h, p, s] = good.split(".");
  const cases: [string, string][] = [
    ["invalid token", "compact JWS format must have three parts"],
    ["", "compact JWS format must have three parts"],
    [`${h}.${p}`, "compact JWS format must have three parts"],
    [`${good}.`, "compact JWS format must have three parts"],
    [`${h}=.${p}.${s}`, "header is not valid unpadded base64url"],
    [`${h}.${p}==.${s}`, "payload is not valid unpadded base64url"],
    [`${h}.${p}.${s}=`, "signature is not valid unpadded base64url"],
    [`${h}.${p.replaceAll("-", "+")}+.${s}`, "payload is not valid unpadded base64url"],
    [`${h}.${p}.${s.slice(0, 10)}/${s.slice(10)}`, "signature is not valid unpadded base64url"],
    [` ${good}`, "header is not valid unpadded base64url"],
    [`${h}.${p} .${s}`, "payload is not valid unpadded base64url"],
    [`${h}.${p}.${s}\n`, "signature is not valid unpadded base64url"],
    [`${h}.${p}.A`, "signature is not valid unpadded base64url"], // 1 mod 4
    [`${h}.${p}.AB`, "signature is not valid unpadded base64url"], // non-zero trailing bits
  ];
  for (const [tok, reason] of cases) {
    bothThrow(tok, "malformed", `jwtsvid: unable to parse JWT token: ${reason}`);
  }
});

Deno.test("rejects headers and payloads that are not JSON objects", () => {
  const sig = b64url(new Uint8Array(64));
  const payload = b64url(claims());
  const header = b64url({ alg: "ES256", kid: "ec-256" });
  const cases: [string, string][] = [
    [`${b64url(Buffer.from("{"))}.${payload}.${sig}`, "header is not valid JSON"],
    [`${b64url([1])}.${payload}.${sig}`, "header must be a JSON object"],
    [`${b64url(null)}.${payload}.${sig}`, "header must be a JSON object"],
    [`${b64url("ES256")}.${payload}.${sig}`, "header must be a JSON object"],
    [`${b64url(Buffer.from("\uFEFF{}"))}.${payload}.${sig}`, "header is not valid JSON"],
    [`${header}.${b64url(Buffer.from("not json"))}.${sig}`, "payload is not valid JSON"],
    [`${header}.${b64url([claims()])}.${sig}`, "payload must be a JSON object"],
    [`${header}.${b64url(Uint8Array.of(0x7b, 0xff, 0x7d))}.${sig}`, "payload is not valid JSON"],
    [`${header}..${sig}`, "payload is not valid JSON"],
  ];
  for (const [tok, reason] of cases) {
    bothThrow(tok, "malformed", `jwtsvid: unable to parse JWT token: ${reason}`);
  }
});

Deno.test("rejects claims of the wrong type", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ exp: "9999999999" }, '"exp" claim must be a number'],
    [{ nbf: true }, '"nbf" claim must be a number'],
    [{ iat: [1] }, '"iat" claim must be a number'],
    [{ exp: 1e13 }, '"exp" claim is out of range'],
    [{ sub: 7 }, '"sub" claim must be a string'],
    [{ iss: {} }, '"iss" claim must be a string'],
    [{ jti: 1 }, '"jti" claim must be a string'],
    [{ aud: 5 }, '"aud" claim must be a string or an array of strings'],
    [{ aud: [AUD, 5] }, '"aud" claim must be a string or an array of strings'],
    [{ aud: {} }, '"aud" claim must be a string or an array of strings'],
  ];
  for (const [extra, reason] of cases) {
    bothThrow(token(claims(extra)), "malformed", `jwtsvid: unable to parse JWT token: ${reason}`);
  }
  // A huge exponent that JSON.parse reads as Infinity.
  const raw = `{"sub":"${ID}","aud":"${AUD}","exp":1e400}`;
  bothThrow(
    token(raw),
    "malformed",
    'jwtsvid: unable to parse JWT token: "exp" claim must be a number',
  );
});

// ---------------------------------------------------------------------------------------------
// Algorithm allow-list

Deno.test("rejects alg none, HS256 (key confusion) and EdDSA before any key is used", () => {
  const publicPem = Buffer.from(rsa.publicKey.export({ type: "spki", format: "pem" }));
  const ed = generateKeyPairSync("ed25519");
  const forged: [string, string][] = [
    [mint(claims(), { key: p256.privateKey, header: { alg: "none", kid: "rsa" } }), "none"],
    [mint(claims(), { key: publicPem, header: { alg: "HS256", kid: "rsa", typ: "JWT" } }), "HS256"],
    [mint(claims(), { key: publicPem, header: { alg: "HS512", kid: "rsa" } }), "HS512"],
    [
      mint(claims(), { key: ed.privateKey, header: { alg: "EdDSA", kid: "rsa" }, signAs: "none" }),
      "EdDSA",
    ],
    [
      mint(claims(), {
        key: p256.privateKey,
        header: { alg: "es256", kid: "ec-256" },
        signAs: "ES256",
      }),
      "es256",
    ],
    [
      mint(claims(), {
        key: p256.privateKey,
        header: { alg: "__proto__", kid: "ec-256" },
        signAs: "ES256",
      }),
      "__proto__",
    ],
  ];
  for (const [tok, alg] of forged) {
    const source = spySource();
    const message = `jwtsvid: unable to parse JWT token: unsupported signature algorithm "${alg}"`;
    throws(() => JwtSvid.parseAndValidate(tok, source, AUD), "algorithm-not-allowed", message);
    throws(() => JwtSvid.parseInsecure(tok, AUD), "algorithm-not-allowed", message);
    assert.equal(source.calls, 0, alg);
  }
  // The alg check comes first: even a token with nothing else right fails on alg.
  const junk = `${b64url({ alg: "HS256", typ: "bogus" })}.${b64url(Buffer.from("x"))}.%%%`;
  bothThrow(
    junk,
    "algorithm-not-allowed",
    'jwtsvid: unable to parse JWT token: unsupported signature algorithm "HS256"',
  );
  bothThrow(
    token(claims(), { alg: undefined }),
    "malformed",
    'jwtsvid: unable to parse JWT token: header "alg" must be a string',
  );
  bothThrow(
    token(claims(), { alg: ["ES256"] }),
    "malformed",
    'jwtsvid: unable to parse JWT token: header "alg" must be a string',
  );
});

Deno.test("rejects a crit header and a non-string kid", () => {
  bothThrow(
    token(claims(), { crit: ["exp"], exp: 1 }),
    "malformed",
    'jwtsvid: unable to parse JWT token: header "crit" is not supported',
  );
  bothThrow(
    token(claims(), { kid: 1 }),
    "malformed",
    'jwtsvid: unable to parse JWT token: header "kid" must be a string',
  );
});

// ---------------------------------------------------------------------------------------------
// typ, sub, exp, kid

Deno.test("rejects a typ other than JWT or JOSE", () => {
  for (const typ of ["invalid", "jwt", "JWT ", "application/jwt", 1, null]) {
    bothThrow(
      token(claims(), { typ }),
      "invalid-type",
      "jwtsvid: token header type not equal to either JWT or JOSE",
    );
  }
});

Deno.test("rejects a missing subject or expiry", () => {
  for (const sub of [undefined, "", null]) {
    bothThrow(token(claims({ sub })), "missing-subject", "jwtsvid: token missing subject claim");
  }
  for (const exp of [undefined, null]) {
    bothThrow(token(claims({ exp })), "missing-expiration", "jwtsvid: token missing exp claim");
  }
});

Deno.test("rejects a subject that is not a SPIFFE ID", () => {
  const cases: [string, string][] = [
    ["invalid subject", "scheme is missing or invalid"],
    ["spiffe://example.org/a/../b", "path cannot contain dot segments"],
    [
      "spiffe://Example.org/x",
      "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores",
    ],
  ];
  for (const [sub, reason] of cases) {
    const err = throws(
      () => validate(token(claims({ sub }))),
      "invalid-subject",
      `jwtsvid: token has an invalid subject claim: ${reason}`,
    );
    assert.ok(err.cause instanceof SpiffeIdError);
    throws(
      () => JwtSvid.parseInsecure(token(claims({ sub })), AUD),
      "invalid-subject",
      `jwtsvid: token has an invalid subject claim: ${reason}`,
    );
  }
});

Deno.test("parseAndValidate requires a key ID", () => {
  for (const kid of [undefined, "", null]) {
    throws(
      () => validate(token(claims(), { kid })),
      "missing-key-id",
      "jwtsvid: token header missing key id",
    );
  }
});

// ---------------------------------------------------------------------------------------------
// Key lookup and signature

Deno.test("looks the key up in the subject's trust domain only", () => {
  const other = TrustDomain.parse("other.org");
  const otherBundle = new JwtBundle(other);
  otherBundle.addJwtAuthority("ec-256", p256.publicKey);

  // The signing key is trusted, but for another trust domain.
  const err = throws(
    () => JwtSvid.parseAndValidate(token(), otherBundle, AUD),
    "bundle-not-found",
    'jwtsvid: no bundle found for trust domain "example.org"',
  );
  assert.ok(err.cause instanceof BundleError);
  throws(
    () => validate(token(claims({ sub: "spiffe://other.org/x" }))),
    "bundle-not-found",
    'jwtsvid: no bundle found for trust domain "other.org"',
  );
  throws(
    () => JwtSvid.parseAndValidate(token(), new JwtBundleSet(), AUD),
    "bundle-not-found",
    'jwtsvid: no bundle found for trust domain "example.org"',
  );
});

Deno.test("rejects an unknown key ID", () => {
  throws(
    () => validate(token(claims(), { kid: "nope" })),
    "authority-not-found",
    'jwtsvid: no JWT authority "nope" found for trust domain "example.org"',
  );
  throws(
    () => validate(token(claims(), { kid: 'quote"d' })),
    "authority-not-found",
    'jwtsvid: no JWT authority "quote\\"d" found for trust domain "example.org"',
  );
});

Deno.test("rejects a key that does not suit the algorithm", () => {
  const cases: string[] = [
    // RS256 signed by the RSA key, but kid names the EC key.
    mint(claims(), { key: rsa.privateKey, header: { alg: "RS256", kid: "ec-256" } }),
    // PS256 against an EC key.
    mint(claims(), { key: rsa.privateKey, header: { alg: "PS256", kid: "ec-384" } }),
    // ES256 on a P-384 key (signed with the P-256 key; the curve check fails first).
    mint(claims(), { key: p256.privateKey, header: { alg: "ES256", kid: "ec-384" } }),
    // ES384 on a P-256 key.
    mint(claims(), { key: p384.privateKey, header: { alg: "ES384", kid: "ec-256" } }),
    // ES512 on the RSA key.
    mint(claims(), { key: p521.privateKey, header: { alg: "ES512", kid: "rsa" } }),
  ];
  for (const tok of cases) {
    const err = throws(() => validate(tok), "invalid-signature", CRYPTO_ERROR);
    assert.ok(err.cause instanceof Error);
  }
  const ed = generateKeyPairSync("ed25519");
  const edBundle = new JwtBundle(TD);
  edBundle.addJwtAuthority("ed", ed.publicKey);
  throws(
    () => JwtSvid.parseAndValidate(token(claims(), { kid: "ed" }), edBundle, AUD),
    "invalid-signature",
    CRYPTO_ERROR,
  );
});

Deno.test("rejects RSA keys shorter than 1024 bits", () => {
  const small = generateKeyPairSync("rsa", { modulusLength: 512 });
  const smallBundle = new JwtBundle(TD);
  smallBundle.addJwtAuthority("small", small.publicKey);
  const tok = mint(claims(), { key: small.privateKey, header: { alg: "RS256", kid: "small" } });
  const err = throws(
    () => JwtSvid.parseAndValidate(tok, smallBundle, AUD),
    "invalid-signature",
    CRYPTO_ERROR,
  );
  assert.match((err.cause as Error).message, /at least 1024 bits/);
});

Deno.test("rejects bad signatures", () => {
  const good = token();
  const [h, p, s] = good.split(".");
  const tampered = b64url({ ...JSON.parse(Buffer.from(p, "base64url").toString()), sub: `${ID}x` });
  const sig = Buffer.from(s, "base64url");
  const flipped = Buffer.from(sig);
  flipped[5] ^= 1;
  const cases = [
    `${h}.${tampered}.${s}`,
    `${h}.${p}.${b64url(flipped)}`,
    `${h}.${p}.${b64url(sig.subarray(0, 63))}`,
    `${h}.${p}.${b64url(Buffer.concat([sig, Buffer.of(0)]))}`,
    `${h}.${p}.`,
    // Signed by a key that is not in the bundle, under a trusted kid.
    mint(claims(), { key: attacker.privateKey, header: { alg: "ES256", kid: "ec-256" } }),
    // PKCS#1 v1.5 signature under a PS256 header, and the other way round.
    mint(claims(), { key: rsa.privateKey, header: { alg: "PS256", kid: "rsa" }, signAs: "RS256" }),
    mint(claims(), { key: rsa.privateKey, header: { alg: "RS256", kid: "rsa" }, signAs: "PS256" }),
    // RS384 signature under an RS256 header.
    mint(claims(), { key: rsa.privateKey, header: { alg: "RS256", kid: "rsa" }, signAs: "RS384" }),
  ];
  for (const tok of cases) throws(() => validate(tok), "invalid-signature", CRYPTO_ERROR);
});

Deno.test("rejects PS256 with a salt other than the digest length", () => {
  const input = `${b64url({ alg: "PS256", kid: "rsa" })}.${b64url(claims())}`;
  for (const saltLength of [0, 20, 64]) {
    const signature = sign("sha256", Buffer.from(input), {
      key: rsa.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength,
    });
    throws(() => validate(`${input}.${b64url(signature)}`), "invalid-signature", CRYPTO_ERROR);
  }
  validate(`${input}.${b64url(signInput("PS256", rsa.privateKey, input))}`);
});

Deno.test("ignores jwk, jku, x5u and x5c headers: keys come only from the bundle", () => {
  const jwk = attacker.publicKey.export({ format: "jwk" });
  const header = { jwk, jku: "https://evil.example/jwks.json", x5u: "https://evil.example/c" };
  // The attacker signs with their own key, embeds it, and names a trusted kid.
  const trustedKid = mint(claims(), {
    key: attacker.privateKey,
    header: { alg: "ES256", kid: "ec-256", ...header, x5c: ["MIIB"] },
  });
  throws(() => validate(trustedKid), "invalid-signature", CRYPTO_ERROR);
  // ... or names the embedded key's own thumbprint-like kid.
  const ownKid = mint(claims(), {
    key: attacker.privateKey,
    header: { alg: "ES256", kid: "attacker", ...header },
  });
  throws(
    () => validate(ownKid),
    "authority-not-found",
    'jwtsvid: no JWT authority "attacker" found for trust domain "example.org"',
  );
  // ... or no kid at all.
  const noKid = mint(claims(), { key: attacker.privateKey, header: { alg: "ES256", ...header } });
  throws(() => validate(noKid), "missing-key-id", "jwtsvid: token header missing key id");
  // A trusted token carrying the same headers still validates.
  validate(token(claims(), header));
});

// ---------------------------------------------------------------------------------------------
// aud, exp, nbf, iat

Deno.test("rejects a token without one of the expected audiences", () => {
  throws(
    () => validate(token(), "another"),
    "audience-mismatch",
    `jwtsvid: expected audience in ["another"] (audience=["${AUD}"])`,
  );
  throws(
    () => validate(token(claims({ aud: ["a", "b"] })), ["c", "d"]),
    "audience-mismatch",
    'jwtsvid: expected audience in ["c" "d"] (audience=["a" "b"])',
  );
  for (const aud of [undefined, null, []]) {
    throws(
      () => validate(token(claims({ aud }))),
      "audience-mismatch",
      `jwtsvid: expected audience in ["${AUD}"] (audience=[])`,
    );
  }
  throws(
    () => validate(token(claims({ aud: "" }))),
    "audience-mismatch",
    `jwtsvid: expected audience in ["${AUD}"] (audience=[""])`,
  );
  // Audience values are quoted as Go's %q does.
  throws(
    () => validate(token(claims({ aud: 'a"b\\c\n\u0001é' })), "x"),
    "audience-mismatch",
    'jwtsvid: expected audience in ["x"] (audience=["a\\"b\\\\c\\n\\x01é"])',
  );
  // Matching is exact.
  throws(
    () => validate(token(claims({ aud: AUD.toUpperCase() }))),
    "audience-mismatch",
    /^jwtsvid: expected audience/,
  );
  throws(
    () => validate(token(claims({ aud: `${AUD}/` }))),
    "audience-mismatch",
    /^jwtsvid: expected audience/,
  );
});

Deno.test("rejects an expired token", () => {
  bothThrow(token(claims({ exp: nowSeconds() - 3600 })), "expired", "jwtsvid: token has expired");
});

Deno.test("allows 60 seconds of leeway on exp, nbf and iat", () => {
  const at = (extra: Record<string, unknown>) =>
    token(claims({ iat: T0S - 10, exp: T0S + 300, ...extra }));
  const insecure = (tok: string) => JwtSvid.parseInsecure(tok, AUD, { time: T0 });

  for (const check of [(tok: string) => validate(tok, AUD, T0), insecure]) {
    check(at({ exp: T0S - 30 }));
    check(at({ exp: T0S - 60 }));
    throws(() => check(at({ exp: T0S - 61 })), "expired", "jwtsvid: token has expired");
    throws(() => check(at({ exp: T0S - 90 })), "expired", "jwtsvid: token has expired");

    check(at({ nbf: T0S + 30 }));
    check(at({ nbf: T0S + 60 }));
    throws(() => check(at({ nbf: T0S + 61 })), "not-yet-valid", NBF_ERROR);
    throws(() => check(at({ nbf: T0S + 90 })), "not-yet-valid", NBF_ERROR);

    check(at({ iat: T0S + 30 }));
    check(at({ iat: T0S + 60 }));
    throws(() => check(at({ iat: T0S + 61 })), "issued-in-the-future", IAT_ERROR);
    throws(() => check(at({ iat: T0S + 90 })), "issued-in-the-future", IAT_ERROR);
  }
});

Deno.test("leeway edges against the real clock", () => {
  validate(token(claims({ exp: nowSeconds() - 30 })));
  throws(
    () => validate(token(claims({ exp: nowSeconds() - 90 }))),
    "expired",
    "jwtsvid: token has expired",
  );
  validate(token(claims({ nbf: nowSeconds() + 30 })));
  throws(() => validate(token(claims({ nbf: nowSeconds() + 90 }))), "not-yet-valid", NBF_ERROR);
});

Deno.test("the time option moves the validation clock", () => {
  const tok = token(claims({ iat: T0S, nbf: T0S, exp: T0S + 300 }));
  // The token is from 2030: by today's clock it is not valid yet.
  throws(() => validate(tok), "not-yet-valid", NBF_ERROR);
  throws(() => validate(token(claims({ iat: T0S }))), "issued-in-the-future", IAT_ERROR);
  validate(tok, AUD, T0);
  validate(tok, AUD, new Date((T0S + 360) * 1000));
  throws(
    () => validate(tok, AUD, new Date((T0S + 361) * 1000)),
    "expired",
    "jwtsvid: token has expired",
  );
  throws(() => validate(tok, AUD, new Date((T0S - 61) * 1000)), "not-yet-valid", NBF_ERROR);
});

// ---------------------------------------------------------------------------------------------
// Order of checks (go-spiffe's)

Deno.test("checks run in go-spiffe's order", () => {
  // typ before claims.
  bothThrow(
    token("not json", { typ: "bad" }),
    "invalid-type",
    "jwtsvid: token header type not equal to either JWT or JOSE",
  );
  // sub before exp, exp before sub's syntax.
  bothThrow(
    token(claims({ sub: undefined, exp: undefined })),
    "missing-subject",
    "jwtsvid: token missing subject claim",
  );
  bothThrow(
    token(claims({ sub: "bad", exp: undefined })),
    "missing-expiration",
    "jwtsvid: token missing exp claim",
  );
  // sub's syntax before kid.
  throws(
    () => validate(token(claims({ sub: "bad" }), { kid: undefined })),
    "invalid-subject",
    "jwtsvid: token has an invalid subject claim: scheme is missing or invalid",
  );
  // kid before the bundle lookup.
  const source = spySource();
  throws(
    () => JwtSvid.parseAndValidate(token(claims(), { kid: undefined }), source, AUD),
    "missing-key-id",
    "jwtsvid: token header missing key id",
  );
  assert.equal(source.calls, 0);
  // The signature before aud and exp.
  const forged = mint(claims({ aud: "other", exp: 1 }), {
    key: attacker.privateKey,
    header: { alg: "ES256", kid: "ec-256" },
  });
  throws(() => validate(forged), "invalid-signature", CRYPTO_ERROR);
  // aud before nbf, nbf before exp, exp before iat (go-jose).
  const late = claims({ aud: "other", nbf: T0S + 100, exp: T0S - 100, iat: T0S + 100 });
  throws(() => validate(token(late), AUD, T0), "audience-mismatch", /^jwtsvid: expected audience/);
  throws(() => validate(token({ ...late, aud: AUD }), AUD, T0), "not-yet-valid", NBF_ERROR);
  throws(
    () => validate(token({ ...late, aud: AUD, nbf: undefined }), AUD, T0),
    "expired",
    "jwtsvid: token has expired",
  );
});

// ---------------------------------------------------------------------------------------------
// parseInsecure

Deno.test("parseInsecure skips kid, bundle and signature but checks everything else", () => {
  const unsigned = [
    // Signed by an unknown key, with no kid.
    mint(claims(), { key: attacker.privateKey, header: { alg: "ES256" } }),
    // A garbage signature.
    `${token().split(".").slice(0, 2).join(".")}.${b64url(Buffer.from("junk"))}`,
    // An empty signature.
    `${token().split(".").slice(0, 2).join(".")}.`,
  ];
  for (const tok of unsigned) {
    const body = JSON.parse(Buffer.from(tok.split(".")[1], "base64url").toString());
    const svid = JwtSvid.parseInsecure(tok, AUD, { hint: "external" });
    assert.equal(svid.id.toString(), ID);
    assert.deepEqual(svid.claims, body);
    assert.equal(svid.hint, "external");
    assert.equal(svid.marshal(), tok);
  }
  const forge = (extra: Record<string, unknown>) =>
    mint(claims(extra), { key: attacker.privateKey, header: { alg: "ES256" } });
  throws(
    () => JwtSvid.parseInsecure(forge({}), "other"),
    "audience-mismatch",
    `jwtsvid: expected audience in ["other"] (audience=["${AUD}"])`,
  );
  throws(
    () => JwtSvid.parseInsecure(forge({ exp: nowSeconds() - 3600 }), AUD),
    "expired",
    "jwtsvid: token has expired",
  );
  throws(
    () => JwtSvid.parseInsecure(forge({ sub: undefined }), AUD),
    "missing-subject",
    "jwtsvid: token missing subject claim",
  );
  throws(
    () => JwtSvid.parseInsecure(forge({ sub: "https://example.org/x" }), AUD),
    "invalid-subject",
    "jwtsvid: token has an invalid subject claim: scheme is missing or invalid",
  );
});
