// The Workload API wire contract: the committed codec is what `deno task proto` makes from
// proto/workload.proto, every message survives an encode/decode round trip with every field
// set, the bytes are the ones protobuf specifies, and the gRPC descriptors name the right
// paths and plug into @grpc/grpc-js.
//
// Permissions: --allow-read --allow-env for everything; the freshness check also needs
// --allow-run (it runs `deno task proto:check`) and is ignored without it.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFile } from "node:fs/promises";
import type * as grpc from "@grpc/grpc-js";
import {
  google,
  type JsonObject,
  JWTBundlesRequest,
  JWTBundlesResponse,
  JWTSVID,
  JWTSVIDRequest,
  JWTSVIDResponse,
  objectToStruct,
  SECURITY_HEADER_KEY,
  SECURITY_HEADER_VALUE,
  SERVICE_NAME,
  SPIFFE_WORKLOAD_API,
  structToObject,
  ValidateJWTSVIDRequest,
  ValidateJWTSVIDResponse,
  X509BundlesRequest,
  X509BundlesResponse,
  X509SVID,
  X509SVIDRequest,
  X509SVIDResponse,
} from "../../src/_proto/mod.ts";

const CODEC_JS_PATH = new URL("../../src/_proto/workload.js", import.meta.url);
const canRun = (await Deno.permissions.query({ name: "run" })).state === "granted";

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

// --- Freshness -----------------------------------------------------------------------------

Deno.test({
  name: "codec: workload.js and .d.ts are what `deno task proto` makes, deterministically",
  ignore: !canRun,
  async fn() {
    // In a child process with build.lock: protobufjs-cli is a build-only tool that must not
    // enter deno.lock (a user's first run installs what deno.lock lists).
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "proto:check"],
      cwd: new URL("../..", import.meta.url),
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr).trim();
    assert.equal(output.code, 0, stderr);
  },
});

Deno.test("codec: the runtime imports only protobufjs/minimal", async () => {
  const js = await readFile(CODEC_JS_PATH, "utf8");
  const imports = [...js.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
  assert.deepEqual(imports, ["protobufjs/minimal.js"]);
  assert.match(js, /^\/\/ @ts-self-types="\.\/workload\.d\.ts"$/m);
  assert.doesNotMatch(js, /\.proto["']/);
});

Deno.test("proto: declares no package and the five RPCs with the spec's streaming kinds", async () => {
  const proto = await readFile(new URL("../../proto/workload.proto", import.meta.url), "utf8");
  assert.match(proto, /^syntax = "proto3";$/m);
  assert.doesNotMatch(proto, /^\s*package\s/m);
  assert.match(proto, /^import "google\/protobuf\/struct\.proto";$/m);
  const rpcs = [...proto.matchAll(/rpc (\w+)\((\w+)\) returns \((stream )?(\w+)\);/g)]
    .map(([, name, req, stream, res]) => `${name}(${req}) ${stream ?? ""}${res}`);
  assert.deepEqual(rpcs, [
    "FetchX509SVID(X509SVIDRequest) stream X509SVIDResponse",
    "FetchX509Bundles(X509BundlesRequest) stream X509BundlesResponse",
    "FetchJWTSVID(JWTSVIDRequest) JWTSVIDResponse",
    "FetchJWTBundles(JWTBundlesRequest) stream JWTBundlesResponse",
    "ValidateJWTSVID(ValidateJWTSVIDRequest) ValidateJWTSVIDResponse",
  ]);
});

// --- Round trips, every field set ------------------------------------------------------------

Deno.test("X509SVIDResponse: svids (all five fields), crl and federated_bundles", () => {
  const message = {
    svids: [
      {
        spiffeId: "spiffe://example.org/a",
        x509Svid: bytes("leaf+intermediate"),
        x509SvidKey: bytes("pkcs8"),
        bundle: bytes("root"),
        hint: "internal",
      },
      {
        spiffeId: "spiffe://example.org/b",
        x509Svid: bytes("leaf-b"),
        x509SvidKey: bytes("key-b"),
        bundle: bytes("root"),
        hint: "external",
      },
    ],
    crl: [bytes("crl-1"), bytes("crl-2")],
    federatedBundles: {
      "spiffe://other.org": bytes("other-root"),
      "spiffe://third.org": new Uint8Array(0),
    },
  };
  const decoded = X509SVIDResponse.decode(X509SVIDResponse.encode(message).finish());
  assert.ok(decoded instanceof X509SVIDResponse);
  assert.equal(decoded.svids.length, 2);
  for (const [i, svid] of decoded.svids.entries()) {
    const want = message.svids[i];
    assert.equal(svid.spiffeId, want.spiffeId);
    assert.deepEqual(new Uint8Array(svid.x509Svid!), want.x509Svid);
    assert.deepEqual(new Uint8Array(svid.x509SvidKey!), want.x509SvidKey);
    assert.deepEqual(new Uint8Array(svid.bundle!), want.bundle);
    assert.equal(svid.hint, want.hint);
  }
  assert.deepEqual(decoded.crl.map((c) => new Uint8Array(c)), message.crl);
  assert.deepEqual(Object.keys(decoded.federatedBundles).sort(), [
    "spiffe://other.org",
    "spiffe://third.org",
  ]);
  assert.deepEqual(
    new Uint8Array(decoded.federatedBundles["spiffe://other.org"]),
    bytes("other-root"),
  );
  assert.equal(decoded.federatedBundles["spiffe://third.org"].length, 0);
});

Deno.test("X509SVID: field numbers 1..5 and wire types on the wire", () => {
  const wire = X509SVID.encode({
    spiffeId: "a",
    x509Svid: Uint8Array.of(1),
    x509SvidKey: Uint8Array.of(2),
    bundle: Uint8Array.of(3),
    hint: "h",
  }).finish();
  // (1, LEN) "a", (2, LEN) 01, (3, LEN) 02, (4, LEN) 03, (5, LEN) "h"
  assert.equal(hex(wire), "0a0161" + "120101" + "1a0102" + "220103" + "2a0168");
});

Deno.test("X509SVIDResponse: crl is field 2 and federated_bundles field 3 (a map entry)", () => {
  const wire = X509SVIDResponse.encode({
    crl: [Uint8Array.of(0xcc)],
    federatedBundles: { k: Uint8Array.of(0xbb) },
  }).finish();
  // (2, LEN) cc, then (3, LEN) { (1, LEN) "k", (2, LEN) bb }
  assert.equal(hex(wire), "1201cc" + "1a06" + "0a016b" + "1201bb");
});

Deno.test("X509BundlesResponse: crl = 1, bundles = 2", () => {
  const message = {
    crl: [bytes("crl")],
    bundles: { "spiffe://example.org": bytes("root"), "spiffe://other.org": bytes("o") },
  };
  const wire = X509BundlesResponse.encode({ crl: [Uint8Array.of(1)] }).finish();
  assert.equal(hex(wire), "0a0101");
  const decoded = X509BundlesResponse.decode(X509BundlesResponse.encode(message).finish());
  assert.deepEqual(decoded.crl.map((c) => new Uint8Array(c)), message.crl);
  assert.deepEqual(
    Object.fromEntries(
      Object.entries(decoded.bundles).map(([k, v]) => [k, new Uint8Array(v)]),
    ),
    message.bundles,
  );
  const bundlesOnly = X509BundlesResponse.encode({ bundles: { k: Uint8Array.of(2) } }).finish();
  assert.equal(hex(bundlesOnly), "1206" + "0a016b" + "120102");
});

Deno.test("JWTSVIDRequest: repeated audience = 1, spiffe_id = 2", () => {
  const message = { audience: ["aud-1", "aud-2"], spiffeId: "spiffe://example.org/a" };
  const decoded = JWTSVIDRequest.decode(JWTSVIDRequest.encode(message).finish());
  assert.deepEqual(decoded.audience, message.audience);
  assert.equal(decoded.spiffeId, message.spiffeId);
  assert.equal(
    hex(JWTSVIDRequest.encode({ audience: ["a", "b"], spiffeId: "s" }).finish()),
    "0a0161" + "0a0162" + "120173",
  );
});

Deno.test("JWTSVIDResponse/JWTSVID: spiffe_id = 1, svid = 2, hint = 3", () => {
  const message = {
    svids: [
      { spiffeId: "spiffe://example.org/a", svid: "h.p.s", hint: "internal" },
      { spiffeId: "spiffe://example.org/b", svid: "h2.p2.s2", hint: "" },
    ],
  };
  const decoded = JWTSVIDResponse.decode(JWTSVIDResponse.encode(message).finish());
  assert.deepEqual(
    decoded.svids.map(({ spiffeId, svid, hint }) => ({ spiffeId, svid, hint })),
    message.svids,
  );
  assert.equal(
    hex(JWTSVID.encode({ spiffeId: "a", svid: "b", hint: "c" }).finish()),
    "0a0161120162" + "1a0163",
  );
});

Deno.test("JWTBundlesResponse: bundles = 1", () => {
  const jwks = bytes(JSON.stringify({ keys: [] }));
  const message = { bundles: { "spiffe://example.org": jwks, "spiffe://other.org": jwks } };
  const decoded = JWTBundlesResponse.decode(JWTBundlesResponse.encode(message).finish());
  assert.deepEqual(Object.keys(decoded.bundles).sort(), Object.keys(message.bundles).sort());
  assert.deepEqual(new Uint8Array(decoded.bundles["spiffe://other.org"]), jwks);
  assert.equal(
    hex(JWTBundlesResponse.encode({ bundles: { k: Uint8Array.of(9) } }).finish()),
    "0a06" + "0a016b" + "120109",
  );
});

Deno.test("ValidateJWTSVIDRequest: single audience = 1, svid = 2", () => {
  const decoded = ValidateJWTSVIDRequest.decode(
    ValidateJWTSVIDRequest.encode({ audience: "aud", svid: "h.p.s" }).finish(),
  );
  assert.equal(decoded.audience, "aud");
  assert.equal(decoded.svid, "h.p.s");
  assert.equal(
    hex(ValidateJWTSVIDRequest.encode({ audience: "a", svid: "b" }).finish()),
    "0a0161120162",
  );
});

const claims: JsonObject = {
  sub: "spiffe://example.org/a",
  aud: ["aud-1", "aud-2"],
  exp: 1_700_000_000,
  iat: 1.5,
  admin: false,
  verified: true,
  nothing: null,
  nested: { list: [1, "two", null, true, { deep: [[]] }], empty: {} },
  "": "empty key",
};
// An own "__proto__" key, as JSON.parse makes it (an object literal would set the prototype).
Object.defineProperty(claims, "__proto__", {
  value: { polluted: true },
  enumerable: true,
  writable: true,
  configurable: true,
});

Deno.test("ValidateJWTSVIDResponse: spiffe_id = 1, claims = 2 (Struct with nested values)", () => {
  const wire = ValidateJWTSVIDResponse.encode({
    spiffeId: "spiffe://example.org/a",
    claims: objectToStruct(claims),
  }).finish();
  const decoded = ValidateJWTSVIDResponse.decode(wire);
  assert.equal(decoded.spiffeId, "spiffe://example.org/a");
  const back = structToObject(decoded.claims);
  assert.deepEqual(back, claims);
  assert.ok(Object.hasOwn(back, "__proto__"));
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(
    hex(ValidateJWTSVIDResponse.encode({ spiffeId: "a", claims: {} }).finish()),
    "0a0161" + "1200",
  );
});

Deno.test("empty requests encode to zero bytes and decode", () => {
  for (const type of [X509SVIDRequest, X509BundlesRequest, JWTBundlesRequest]) {
    assert.equal(type.encode({}).finish().length, 0);
    assert.ok(type.decode(new Uint8Array(0)) instanceof type);
  }
});

Deno.test("decoding: unset fields read as proto3 defaults; unknown fields are skipped", () => {
  const svid = X509SVID.decode(new Uint8Array(0));
  assert.equal(svid.spiffeId, "");
  assert.equal(svid.hint, "");
  assert.equal(svid.x509Svid.length, 0);
  const response = X509SVIDResponse.decode(new Uint8Array(0));
  assert.deepEqual(response.svids, []);
  assert.deepEqual(response.crl, []);
  assert.deepEqual({ ...response.federatedBundles }, {});
  // Field 9 (varint 1) is not in the proto: skipped, and (protobufjs's default) not kept.
  const withUnknown = X509SVID.decode(Uint8Array.of(0x0a, 0x01, 0x61, 0x48, 0x01));
  assert.equal(withUnknown.spiffeId, "a");
  assert.equal(hex(X509SVID.encode(withUnknown).finish()), "0a0161");
});

Deno.test("decoding garbage throws", () => {
  assert.throws(() => X509SVIDResponse.decode(Uint8Array.of(0x0a, 0x05, 0x01)));
});

// --- Struct helpers ------------------------------------------------------------------------

Deno.test("structToObject: missing struct, unset Value kind, NULL_VALUE", () => {
  assert.deepEqual(structToObject(undefined), {});
  assert.deepEqual(structToObject(null), {});
  assert.deepEqual(structToObject({}), {});
  assert.deepEqual(
    structToObject({ fields: { a: {}, b: { nullValue: google.protobuf.NullValue.NULL_VALUE } } }),
    { a: null, b: null },
  );
  const decoded = google.protobuf.Struct.decode(
    google.protobuf.Struct.encode({ fields: { a: { listValue: {} } } }).finish(),
  );
  assert.deepEqual(structToObject(decoded), { a: [] });
});

Deno.test("objectToStruct: the Value kinds", () => {
  assert.deepEqual(
    objectToStruct({ n: null, b: true, x: 2, s: "s", l: [1], o: { k: "v" } }),
    {
      fields: {
        n: { nullValue: 0 },
        b: { boolValue: true },
        x: { numberValue: 2 },
        s: { stringValue: "s" },
        l: { listValue: { values: [{ numberValue: 1 }] } },
        o: { structValue: { fields: { k: { stringValue: "v" } } } },
      },
    },
  );
  const nullProto = Object.assign(Object.create(null), { a: 1 });
  assert.deepEqual(structToObject(objectToStruct(nullProto)), { a: 1 });
});

Deno.test("objectToStruct: rejects what a Struct cannot hold, naming the path", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ a: undefined }, "invalid Struct value at $.a: undefined"],
    [{ a: [1, 2n] }, "invalid Struct value at $.a[1]: bigint"],
    [{ a: { b: new Date(0) } }, "invalid Struct value at $.a.b: Date"],
    [{ f: () => 1 }, "invalid Struct value at $.f: function"],
    [{ s: Symbol("s") }, "invalid Struct value at $.s: symbol"],
    [new Map() as unknown as Record<string, unknown>, "invalid Struct value at $: Map"],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => objectToStruct(input), { name: "TypeError", message });
  }
  const cyclic: Record<string, unknown> = { a: {} };
  (cyclic.a as Record<string, unknown>).back = cyclic;
  assert.throws(() => objectToStruct(cyclic), {
    name: "TypeError",
    message: "invalid Struct value at $.a.back: cycle",
  });
  const list: unknown[] = [];
  list.push(list);
  assert.throws(() => objectToStruct({ list }), {
    name: "TypeError",
    message: "invalid Struct value at $.list[0]: cycle",
  });
  // Shared, acyclic references are fine.
  const shared = { k: 1 };
  assert.deepEqual(structToObject(objectToStruct({ a: shared, b: [shared] })), {
    a: { k: 1 },
    b: [{ k: 1 }],
  });
});

// --- gRPC method descriptors ---------------------------------------------------------------

Deno.test("methods: paths are /SpiffeWorkloadAPI/<Method>, streaming as in the spec", () => {
  assert.equal(SERVICE_NAME, "SpiffeWorkloadAPI");
  assert.deepEqual(
    Object.values(SPIFFE_WORKLOAD_API).map((m) => [
      m.methodName,
      m.path,
      m.requestStream,
      m.responseStream,
    ]),
    [
      ["FetchX509SVID", "/SpiffeWorkloadAPI/FetchX509SVID", false, true],
      ["FetchX509Bundles", "/SpiffeWorkloadAPI/FetchX509Bundles", false, true],
      ["FetchJWTSVID", "/SpiffeWorkloadAPI/FetchJWTSVID", false, false],
      ["FetchJWTBundles", "/SpiffeWorkloadAPI/FetchJWTBundles", false, true],
      ["ValidateJWTSVID", "/SpiffeWorkloadAPI/ValidateJWTSVID", false, false],
    ],
  );
  assert.deepEqual(
    Object.keys(SPIFFE_WORKLOAD_API),
    Object.values(SPIFFE_WORKLOAD_API).map((m) => m.methodName),
  );
  assert.ok(Object.isFrozen(SPIFFE_WORKLOAD_API));
  assert.equal(SECURITY_HEADER_KEY, "workload.spiffe.io");
  assert.equal(SECURITY_HEADER_VALUE, "true");
});

Deno.test("methods: serializers return Buffers that the deserializers read back", () => {
  const m = SPIFFE_WORKLOAD_API;
  const x509 = m.FetchX509SVID.responseSerialize({
    svids: [{ spiffeId: "spiffe://example.org/a", hint: "h" }],
    crl: [Uint8Array.of(1)],
  });
  assert.ok(Buffer.isBuffer(x509));
  const x509Back = m.FetchX509SVID.responseDeserialize(x509);
  assert.equal(x509Back.svids[0].spiffeId, "spiffe://example.org/a");
  assert.equal(x509Back.svids[0].hint, "h");

  const jwtReq = m.FetchJWTSVID.requestSerialize({ audience: ["a"], spiffeId: "s" });
  assert.ok(Buffer.isBuffer(jwtReq));
  assert.deepEqual(m.FetchJWTSVID.requestDeserialize(jwtReq).audience, ["a"]);

  const validate = m.ValidateJWTSVID.responseSerialize({
    spiffeId: "s",
    claims: objectToStruct({ aud: ["a"] }),
  });
  assert.deepEqual(structToObject(m.ValidateJWTSVID.responseDeserialize(validate).claims), {
    aud: ["a"],
  });

  // Deserializers take any Uint8Array, not only Buffers (e.g. a subarray view).
  const padded = new Uint8Array(x509.length + 4);
  padded.set(x509, 2);
  const view = padded.subarray(2, 2 + x509.length);
  assert.equal(m.FetchX509SVID.responseDeserialize(view).svids[0].hint, "h");
  for (const method of Object.values(m)) {
    assert.ok(Buffer.isBuffer(method.requestSerialize({})));
    assert.ok(Buffer.isBuffer(method.responseSerialize({})));
  }
});

Deno.test("methods: the service is a grpc-js ServiceDefinition (types and runtime)", async () => {
  const grpcJs = await import("@grpc/grpc-js");
  const definition: grpc.ServiceDefinition = SPIFFE_WORKLOAD_API;
  const Client = grpcJs.makeGenericClientConstructor(definition, SERVICE_NAME);
  for (const name of Object.keys(SPIFFE_WORKLOAD_API)) {
    assert.equal(typeof Client.prototype[name], "function", name);
  }
  const server = new grpcJs.Server();
  const unimplemented = () => {};
  server.addService(definition, {
    FetchX509SVID: unimplemented,
    FetchX509Bundles: unimplemented,
    FetchJWTSVID: unimplemented,
    FetchJWTBundles: unimplemented,
    ValidateJWTSVID: unimplemented,
  });
  server.forceShutdown();
});
