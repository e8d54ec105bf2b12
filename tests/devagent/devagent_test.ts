// The devagent as a Workload API server: its sockets, the identities it issues (own and
// federated, with an intermediate, per key type), its rotation schedule, the security
// header, and its options.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { sign, verify } from "node:crypto";
import { lstat, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import {
  JwtSvid,
  TrustDomain,
  verifyX509Svid,
  WorkloadApiClient,
  X509Source,
  type X509SourceSnapshot,
  X509SvidError,
} from "../../mod.ts";
import { type KeyType, startDevAgent } from "../../src/devagent/mod.ts";
import { SECURITY_HEADER_KEY, SPIFFE_WORKLOAD_API } from "../../src/_proto/methods.ts";
import { assertRejectsSpiffe } from "../_helpers/assert.ts";
import {
  agentWith,
  FAST_BACKOFF,
  Recorder,
  SERVER_ID,
  tempDir,
  within,
} from "../_helpers/agent.ts";

const TD = TrustDomain.parse("example.org");
const OTHER_TD = TrustDomain.parse("other.org");
const AUDIENCE = "spiffe://example.org/db";

async function fetchSvid(address: string) {
  const client = new WorkloadApiClient({ address });
  try {
    return await client.fetchX509Context();
  } finally {
    await client.close();
  }
}

Deno.test("devagent: the socket file is private (0600) and removed on close", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "agent.sock");
  const agent = await startDevAgent({ sockets: [{ path, spiffeId: SERVER_ID }] });
  try {
    assert.deepEqual(agent.addresses, [`unix://${path}`]);
    const info = await lstat(path);
    assert.ok(info.isSocket());
    assert.equal(info.mode & 0o777, 0o600);
  } finally {
    await agent.close();
  }
  await assert.rejects(stat(path), { code: "ENOENT" });
  await agent.close(); // idempotent
});

Deno.test("devagent: the socket mode option is applied", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "agent.sock");
  await using _agent = await startDevAgent({
    sockets: [{ path, spiffeId: SERVER_ID, mode: 0o660 }],
  });
  assert.equal((await lstat(path)).mode & 0o777, 0o660);
});

Deno.test("devagent: a file that is not a socket is never removed", async () => {
  await using temp = await tempDir();
  const regular = join(temp.dir, "regular.sock");
  await writeFile(regular, "not a socket");
  grpc.setLogVerbosity(grpc.logVerbosity.NONE); // the failed bind is expected
  try {
    await assert.rejects(startDevAgent({ sockets: [{ path: regular, spiffeId: SERVER_ID }] }), {
      message: /EADDRINUSE/,
    });
  } finally {
    grpc.setLogVerbosity(grpc.logVerbosity.ERROR);
  }
  assert.ok((await lstat(regular)).isFile());
});

Deno.test("devagent: a socket another agent listens on is never taken over", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "agent.sock");
  await using first = await startDevAgent({ sockets: [{ path, spiffeId: SERVER_ID }] });
  await assert.rejects(startDevAgent({ sockets: [{ path, spiffeId: SERVER_ID }] }), {
    message: `${path} is in use by another process`,
  });
  assert.ok((await lstat(path)).isSocket());
  assert.equal(first.addresses[0], `unix://${path}`);
});

Deno.test("devagent: each socket serves its own identity, with its hint", async () => {
  await using temp = await tempDir();
  await using agent = await startDevAgent({
    sockets: [
      { path: join(temp.dir, "a.sock"), spiffeId: SERVER_ID, hint: "internal" },
      { path: join(temp.dir, "b.sock"), spiffeId: "spiffe://example.org/client" },
      { tcpPort: 0, spiffeId: "spiffe://example.org/tcp" },
    ],
  });
  const [a, b, c] = await Promise.all(agent.addresses.map(fetchSvid));
  assert.equal(a.svids[0].id.toString(), SERVER_ID);
  assert.equal(a.svids[0].hint, "internal");
  assert.equal(b.svids[0].id.toString(), "spiffe://example.org/client");
  assert.equal(b.svids[0].hint, "");
  assert.equal(c.svids[0].id.toString(), "spiffe://example.org/tcp");
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    assert.equal((await client.fetchJwtSvid({ audience: AUDIENCE })).hint, "internal");
  } finally {
    await client.close();
  }
});

Deno.test("devagent: a federated identity is issued by the other trust domain's CA", async () => {
  await using agent = await agentWith([SERVER_ID, "spiffe://other.org/peer"], {
    federatesWith: ["other.org"],
  });
  const own = await fetchSvid(agent.addresses[0]);
  const peer = await fetchSvid(agent.addresses[1]);
  assert.equal(peer.svids[0].id.toString(), "spiffe://other.org/peer");
  const otherBundle = agent.authority(OTHER_TD).x509Bundle();
  // The peer's bundles: its own trust domain's bundle, and example.org as federated.
  assert.ok(peer.bundles.getX509BundleForTrustDomain(OTHER_TD).equals(otherBundle));
  assert.ok(peer.bundles.getX509BundleForTrustDomain(TD).equals(agent.bundle));
  const verified = await verifyX509Svid(peer.svids[0].certificates, otherBundle);
  assert.equal(verified.id.toString(), "spiffe://other.org/peer");
  await assertRejectsSpiffe(
    verifyX509Svid(peer.svids[0].certificates, agent.bundle),
    X509SvidError,
    "ERR_X509_SVID",
    'x509svid: could not get X509 bundle: x509bundle: no X.509 bundle found for trust domain: "other.org"',
  );
  assert.equal(peer.svids[0].certificates[0].issuer, otherBundle.x509Authorities()[0].subject);
  assert.notEqual(
    own.svids[0].certificates[0].issuer,
    peer.svids[0].certificates[0].issuer,
  );
  // JWT-SVIDs of the federated identity are signed with other.org's key.
  const client = new WorkloadApiClient({ address: agent.addresses[1] });
  try {
    const token = await client.fetchJwtSvid({ audience: AUDIENCE });
    const validated = JwtSvid.parseAndValidate(
      token.marshal(),
      agent.authority(OTHER_TD).jwtBundle(),
      AUDIENCE,
    );
    assert.equal(validated.id.toString(), "spiffe://other.org/peer");
    // And the agent validates them too.
    const viaAgent = await client.validateJwtSvid(token.marshal(), AUDIENCE);
    assert.equal(viaAgent.id.toString(), "spiffe://other.org/peer");
  } finally {
    await client.close();
  }
});

Deno.test("devagent: intermediate: true issues a two-certificate chain", async () => {
  await using agent = await agentWith([SERVER_ID], { intermediate: true });
  const context = await fetchSvid(agent.addresses[0]);
  const [leaf, intermediate] = context.svids[0].certificates;
  assert.equal(context.svids[0].certificates.length, 2);
  const [root] = agent.bundle.x509Authorities();
  assert.equal(agent.bundle.x509Authorities().length, 1);
  assert.equal(leaf.issuer, intermediate.subject);
  assert.equal(intermediate.issuer, root.subject);
  assert.ok(intermediate.ca);
  assert.ok(!leaf.ca);
  assert.ok(intermediate.verify(root.publicKey));
  assert.ok(leaf.verify(intermediate.publicKey));
  const verified = await verifyX509Svid(context.svids[0].certificates, context.bundles);
  assert.equal(verified.id.toString(), SERVER_ID);
  assert.equal(verified.verifiedChains[0].length, 3);
});

for (
  const [keyType, asymmetricKeyType, detail] of [
    ["ec-p256", "ec", "prime256v1"],
    ["ec-p384", "ec", "secp384r1"],
    ["rsa-2048", "rsa", 2048],
  ] as const
) {
  Deno.test(`devagent: keyType ${keyType} issues valid SVIDs`, async () => {
    await using agent = await agentWith([SERVER_ID], { keyType: keyType as KeyType });
    const context = await fetchSvid(agent.addresses[0]);
    const [svid] = context.svids;
    const leaf = svid.certificates[0];
    assert.equal(svid.privateKey.asymmetricKeyType, asymmetricKeyType);
    assert.equal(leaf.publicKey.asymmetricKeyType, asymmetricKeyType);
    const root = agent.bundle.x509Authorities()[0];
    assert.equal(root.publicKey.asymmetricKeyType, asymmetricKeyType);
    if (asymmetricKeyType === "ec") {
      assert.equal(svid.privateKey.asymmetricKeyDetails?.namedCurve, detail);
    } else {
      assert.equal(svid.privateKey.asymmetricKeyDetails?.modulusLength, detail);
    }
    const verified = await verifyX509Svid(svid.certificates, context.bundles);
    assert.equal(verified.id.toString(), SERVER_ID);
    // The key signs what the certificate's public key verifies.
    const data = Buffer.from("proof of possession");
    const signature = sign("sha256", data, svid.privateKey);
    assert.ok(verify("sha256", data, leaf.publicKey, signature));
  });
}

Deno.test("devagent: SVIDs are re-issued before half their lifetime has passed", async () => {
  const ttl = 3000;
  await using agent = await agentWith([SERVER_ID], { svidTtl: ttl });
  const source = await X509Source.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const first = source.getX509Svid();
    assert.ok(first.expiresAt.getTime() <= Date.now() + ttl, "svidTtl bounds the lifetime");
    const updates = new Recorder<X509SourceSnapshot>();
    source.onUpdate(updates.push);
    const rotated = await updates.waitFor(
      "the scheduled rotation",
      (s) =>
        !Buffer.from(s.svid.certificates[0].raw).equals(Buffer.from(first.certificates[0].raw)),
    );
    // Rotated while the first SVID was still valid, and the new one lives longer.
    assert.ok(Date.now() < first.expiresAt.getTime());
    assert.ok(rotated.svid.expiresAt.getTime() > first.expiresAt.getTime());
    assert.equal(rotated.svid.id.toString(), SERVER_ID);
  } finally {
    await source.close();
  }
});

/** What a raw gRPC call needs of a Workload API method. */
interface RawMethod {
  readonly path: string;
  readonly requestSerialize: (message: never) => Buffer;
  readonly responseDeserialize: (bytes: Uint8Array) => unknown;
}

/** A raw server-streaming call; resolves with the status it fails with. */
function rawStream(
  client: grpc.Client,
  method: RawMethod,
  metadata: grpc.Metadata,
): Promise<grpc.ServiceError> {
  const call = client.makeServerStreamRequest(
    method.path,
    method.requestSerialize as (value: object) => Buffer,
    method.responseDeserialize as (value: Buffer) => unknown,
    {},
    metadata,
  );
  return within(
    new Promise<grpc.ServiceError>((resolve, reject) => {
      call.on("data", () => reject(new Error(`${method.path} sent data`)));
      call.on("error", resolve);
    }),
    `${method.path} to fail`,
  );
}

/** A raw unary call; resolves with its error (`null` on success). */
function rawUnary(
  client: grpc.Client,
  method: RawMethod,
  request: object,
  metadata: grpc.Metadata,
): Promise<grpc.ServiceError | null> {
  return within(
    new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize as (value: object) => Buffer,
        method.responseDeserialize as (value: Buffer) => unknown,
        request,
        metadata,
        (err: grpc.ServiceError | null) => resolve(err),
      )
    ),
    method.path,
  );
}

Deno.test("devagent: a request without the security header is InvalidArgument", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new grpc.Client(agent.addresses[0], grpc.credentials.createInsecure());
  const missing = "security header missing from request";
  try {
    for (
      const method of [
        SPIFFE_WORKLOAD_API.FetchX509SVID,
        SPIFFE_WORKLOAD_API.FetchX509Bundles,
        SPIFFE_WORKLOAD_API.FetchJWTBundles,
      ]
    ) {
      const status = await rawStream(client, method, new grpc.Metadata());
      assert.equal(status.code, grpc.status.INVALID_ARGUMENT, method.path);
      assert.equal(status.code, 3);
      assert.equal(status.details, missing, method.path);
    }
    const wrongCase = new grpc.Metadata();
    wrongCase.set(SECURITY_HEADER_KEY, "TRUE"); // the value is case-sensitive
    const unary: [RawMethod, object][] = [
      [SPIFFE_WORKLOAD_API.FetchJWTSVID, { audience: [AUDIENCE] }],
      [SPIFFE_WORKLOAD_API.ValidateJWTSVID, { audience: AUDIENCE, svid: "x.y.z" }],
    ];
    for (const [method, request] of unary) {
      for (const metadata of [new grpc.Metadata(), wrongCase]) {
        const status = await rawUnary(client, method, request, metadata);
        assert.equal(status?.code, grpc.status.INVALID_ARGUMENT, method.path);
        assert.equal(status?.details, missing, method.path);
      }
    }
    const status = await rawStream(client, SPIFFE_WORKLOAD_API.FetchX509SVID, wrongCase);
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(status.details, missing);
  } finally {
    client.close();
  }
});

Deno.test("devagent: FetchJWTSVID and ValidateJWTSVID check their fields as SPIRE does", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new grpc.Client(agent.addresses[0], grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set(SECURITY_HEADER_KEY, "true");
  try {
    const cases: [RawMethod, object, string][] = [
      [SPIFFE_WORKLOAD_API.FetchJWTSVID, { audience: [] }, "audience must be specified"],
      [
        SPIFFE_WORKLOAD_API.FetchJWTSVID,
        { audience: [AUDIENCE], spiffeId: "spiffe://example.org/a/../b" },
        "invalid requested SPIFFE ID: path cannot contain dot segments",
      ],
      [SPIFFE_WORKLOAD_API.ValidateJWTSVID, { svid: "x.y.z" }, "audience must be specified"],
      [SPIFFE_WORKLOAD_API.ValidateJWTSVID, { audience: AUDIENCE }, "svid must be specified"],
    ];
    for (const [method, request, details] of cases) {
      const err = await rawUnary(client, method, request, metadata);
      assert.equal(err?.code, grpc.status.INVALID_ARGUMENT, details);
      assert.equal(err?.details, details);
    }
  } finally {
    client.close();
  }
});

Deno.test("devagent: options are validated", async () => {
  await assert.rejects(startDevAgent({ sockets: [] }), {
    name: "TypeError",
    message: "at least one socket is required",
  });
  await assert.rejects(startDevAgent({ sockets: [{ spiffeId: SERVER_ID }] }), {
    name: "TypeError",
    message: "a socket needs a path or a tcpPort",
  });
  await assert.rejects(
    startDevAgent({ sockets: [{ path: "relative.sock", spiffeId: SERVER_ID }] }),
    {
      name: "TypeError",
      message: "socket paths must be absolute",
    },
  );
  await assert.rejects(startDevAgent({ svidTtl: 10, sockets: [{ tcpPort: 0, spiffeId: null }] }), {
    name: "RangeError",
    message: "svidTtl must be at least 1000 ms",
  });
  await assert.rejects(startDevAgent({ jwtTtl: 10, sockets: [{ tcpPort: 0, spiffeId: null }] }), {
    name: "RangeError",
    message: "jwtTtl must be at least 1000 ms",
  });
  await assert.rejects(
    startDevAgent({ keyType: "dsa" as KeyType, sockets: [{ tcpPort: 0, spiffeId: null }] }),
    { name: "RangeError", message: 'unsupported key type "dsa"' },
  );
  await assert.rejects(
    startDevAgent({ sockets: [{ tcpPort: 0, spiffeId: "spiffe://elsewhere.org/x" }] }),
    { name: "RangeError", message: "the devagent has no CA for elsewhere.org" },
  );
});

Deno.test("devagent: rotate() and rotateAuthority() push to open streams", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const before = await fetchSvid(agent.addresses[0]);
  await agent.rotate();
  const afterRotate = await fetchSvid(agent.addresses[0]);
  assert.ok(!afterRotate.svids[0].certificates[0].raw.equals(before.svids[0].certificates[0].raw));
  assert.ok(afterRotate.bundles.get(TD)!.equals(before.bundles.get(TD)!));
  await agent.rotateAuthority();
  const afterAuthority = await fetchSvid(agent.addresses[0]);
  assert.equal(afterAuthority.bundles.get(TD)!.x509Authorities().length, 2);
  assert.equal(agent.bundle.x509Authorities().length, 2);
  assert.equal(agent.jwtBundle.jwtAuthorities().size, 2);
  // Both the old and the new SVID verify against the new bundle.
  await verifyX509Svid(before.svids[0].certificates, afterAuthority.bundles);
  await verifyX509Svid(afterAuthority.svids[0].certificates, afterAuthority.bundles);
  assert.throws(() => agent.injectX509SvidResponse(5, { svids: [] }), {
    name: "RangeError",
    message: "no socket 5",
  });
});
