// BundleSource against the devagent: X.509 and JWT bundles of the own and a federated trust
// domain, used to verify peers, kept up to date, and released on close.
import assert from "node:assert/strict";
import {
  BundleError,
  BundleSource,
  type BundleSourceSnapshot,
  JwtSvid,
  SourceClosedError,
  TrustDomain,
  verifyX509Svid,
  WorkloadApiClient,
  WorkloadApiError,
  X509SvidError,
} from "../../mod.ts";
import { startDevAgent } from "../../src/devagent/mod.ts";
import { assertRejectsSpiffe, assertThrowsSpiffe } from "../_helpers/assert.ts";
import {
  agentWith,
  FAST_BACKOFF,
  Recorder,
  sameRoots,
  SERVER_ID,
  within,
} from "../_helpers/agent.ts";

const TD = TrustDomain.parse("example.org");
const OTHER_TD = TrustDomain.parse("other.org");
const AUDIENCE = "spiffe://example.org/server";

Deno.test("BundleSource serves X.509 and JWT bundles of the own and a federated trust domain", async () => {
  await using agent = await agentWith([SERVER_ID], { federatesWith: ["other.org"] });
  const source = await BundleSource.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    assert.ok(source.getX509BundleForTrustDomain(TD).equals(agent.bundle));
    assert.ok(source.getJwtBundleForTrustDomain(TD).equals(agent.jwtBundle));
    const other = agent.authority(OTHER_TD);
    assert.ok(source.getX509BundleForTrustDomain(OTHER_TD).equals(other.x509Bundle()));
    assert.ok(source.getJwtBundleForTrustDomain(OTHER_TD).equals(other.jwtBundle()));
    const { x509, jwt } = source.snapshot();
    assert.equal(x509.size, 2);
    assert.equal(jwt.size, 2);
    assertThrowsSpiffe(
      () => source.getX509BundleForTrustDomain(TrustDomain.parse("unknown.org")),
      BundleError,
      "ERR_BUNDLE",
      'x509bundle: no X.509 bundle for trust domain "unknown.org"',
    );
    assertThrowsSpiffe(
      () => source.getJwtBundleForTrustDomain(TrustDomain.parse("unknown.org")),
      BundleError,
      "ERR_BUNDLE",
      'jwtbundle: no JWT bundle for trust domain "unknown.org"',
    );
  } finally {
    await source.close();
  }
});

Deno.test("BundleSource verifies peers of the own and of the federated trust domain", async () => {
  // A workload in example.org that federates with other.org, and a peer agent serving a
  // workload in other.org with the same CA: the two agents share the other.org authority
  // only through federation, so we take the peer's SVID from the first agent's CA.
  await using agent = await agentWith([SERVER_ID, "spiffe://other.org/peer"], {
    federatesWith: ["other.org"],
  });
  const source = await BundleSource.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  const peer = new WorkloadApiClient({ address: agent.addresses[1] });
  const own = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    const peerSvid = await peer.fetchX509Svid();
    assert.equal(
      (await verifyX509Svid(peerSvid.certificates, source)).id.toString(),
      "spiffe://other.org/peer",
    );
    const ownSvid = await own.fetchX509Svid();
    assert.equal((await verifyX509Svid(ownSvid.certificates, source)).id.toString(), SERVER_ID);
    const token = await peer.fetchJwtSvid({ audience: AUDIENCE });
    assert.equal(
      JwtSvid.parseAndValidate(token.marshal(), source, AUDIENCE).id.toString(),
      "spiffe://other.org/peer",
    );
    // A stranger's SVID does not verify.
    await using stranger = await startDevAgent({
      sockets: [{ tcpPort: 0, spiffeId: SERVER_ID }],
    });
    const strangerClient = new WorkloadApiClient({ address: stranger.addresses[0] });
    try {
      const strangerSvid = await strangerClient.fetchX509Svid();
      await assertRejectsSpiffe(
        verifyX509Svid(strangerSvid.certificates, source),
        X509SvidError,
        "ERR_X509_SVID",
        /^x509svid: could not verify leaf certificate: /,
      );
    } finally {
      await strangerClient.close();
    }
  } finally {
    await Promise.all([peer.close(), own.close(), source.close()]);
  }
});

Deno.test("BundleSource follows an authority rotation", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const source = await BundleSource.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const updates = new Recorder<BundleSourceSnapshot>();
    const stop = source.onUpdate(updates.push);
    const iterator = source.updates();
    const both = updates.next(
      "both rotated bundles",
      ({ x509, jwt }) =>
        x509.get(TD)!.x509Authorities().length === 2 && jwt.get(TD)!.jwtAuthorities().size === 2,
    );
    const fromIterator = iterator.next();
    await agent.rotateAuthority();
    await both;
    assert.equal((await within(fromIterator, "the iterator")).done, false);
    assert.ok(sameRoots(source.getX509BundleForTrustDomain(TD), agent.bundle));
    assert.ok(source.getJwtBundleForTrustDomain(TD).equals(agent.jwtBundle));
    stop();
    await iterator.return!();
  } finally {
    await source.close();
  }
});

Deno.test("BundleSource.create names the last watch error when its signal aborts", async () => {
  await using agent = await agentWith([null]);
  await assertRejectsSpiffe(
    BundleSource.create({
      address: agent.addresses[0],
      backoff: FAST_BACKOFF,
      signal: AbortSignal.timeout(300),
    }),
    WorkloadApiError,
    "ERR_WORKLOAD_API",
    `bundlesource: no update from the Workload API at ${agent.addresses[0]} (from the address ` +
      "option) before the signal aborted; last watch error: PERMISSION_DENIED: no identity issued",
  );
});

Deno.test("BundleSource.close() is idempotent; later calls fail with SourceClosedError", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const source = await BundleSource.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  const pending = source.updates().next();
  await source.close();
  await source.close();
  await source[Symbol.asyncDispose]();
  assert.deepEqual(await within(pending, "the iterator to end"), { value: undefined, done: true });
  for (
    const call of [
      () => source.snapshot(),
      () => source.getX509BundleForTrustDomain(TD),
      () => source.getJwtBundleForTrustDomain(TD),
    ]
  ) {
    assertThrowsSpiffe(
      call,
      SourceClosedError,
      "ERR_SOURCE_CLOSED",
      "bundlesource: source is closed",
    );
  }
});
