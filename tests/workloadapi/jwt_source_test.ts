// JwtSource against the devagent: JWT bundles (own and federated), cached JWT-SVIDs, bundle
// rotation, the readiness error, and the lifecycle.
import assert from "node:assert/strict";
import {
  BundleError,
  type JwtBundleSet,
  JwtSource,
  JwtSvid,
  SourceClosedError,
  SpiffeId,
  TrustDomain,
  WorkloadApiClient,
  WorkloadApiError,
} from "../../mod.ts";
import { assertRejectsSpiffe, assertThrowsSpiffe } from "../_helpers/assert.ts";
import { join } from "node:path";
import { startDevAgent } from "../../src/devagent/mod.ts";
import {
  agentWith,
  CLIENT_ID,
  delay,
  FAST_BACKOFF,
  Recorder,
  SERVER_ID,
  tempDir,
  within,
} from "../_helpers/agent.ts";

const TD = TrustDomain.parse("example.org");
const OTHER_TD = TrustDomain.parse("other.org");
const AUDIENCE = "spiffe://example.org/db";

Deno.test("JwtSource serves the own and the federated JWT bundles", async () => {
  await using agent = await agentWith([SERVER_ID], { federatesWith: ["other.org"] });
  const source = await JwtSource.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    assert.ok(source.getJwtBundleForTrustDomain(TD).equals(agent.jwtBundle));
    assert.ok(
      source.getJwtBundleForTrustDomain(OTHER_TD).equals(agent.authority(OTHER_TD).jwtBundle()),
    );
    assertThrowsSpiffe(
      () => source.getJwtBundleForTrustDomain(TrustDomain.parse("unknown.org")),
      BundleError,
      "ERR_BUNDLE",
      'jwtbundle: no JWT bundle for trust domain "unknown.org"',
    );
    // The source validates the tokens the agent mints.
    const svid = await source.fetchJwtSvid({ audience: AUDIENCE });
    const validated = JwtSvid.parseAndValidate(svid.marshal(), source, AUDIENCE);
    assert.equal(validated.id.toString(), SERVER_ID);
  } finally {
    await source.close();
  }
});

Deno.test("JwtSource caches tokens per audience and subject", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const source = await JwtSource.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const first = await source.fetchJwtSvid({ audience: AUDIENCE });
    const again = await source.fetchJwtSvid({ audience: AUDIENCE });
    assert.equal(again.marshal(), first.marshal());
    assert.equal(again, first);

    const other = await source.fetchJwtSvid({ audience: "spiffe://example.org/cache" });
    assert.notEqual(other.marshal(), first.marshal());
    assert.deepEqual(other.audience, ["spiffe://example.org/cache"]);

    const extra = await source.fetchJwtSvid({
      audience: AUDIENCE,
      extraAudiences: ["spiffe://example.org/cache"],
    });
    assert.notEqual(extra.marshal(), first.marshal());
    assert.deepEqual(extra.audience, [AUDIENCE, "spiffe://example.org/cache"]);

    const subject = SpiffeId.parse(SERVER_ID);
    const [forSubject] = await source.fetchJwtSvids({ audience: AUDIENCE, subject });
    assert.ok(forSubject.id.equals(subject));
    assert.equal((await source.fetchJwtSvids({ audience: AUDIENCE, subject }))[0], forSubject);

    // Concurrent requests for the same token share one fetch.
    const [a, b] = await Promise.all([
      source.fetchJwtSvid({ audience: "spiffe://example.org/queue" }),
      source.fetchJwtSvid({ audience: "spiffe://example.org/queue" }),
    ]);
    assert.equal(a, b);
  } finally {
    await source.close();
  }
});

Deno.test("JwtSource fetches a new token once half of its lifetime has passed", async () => {
  await using agent = await agentWith([SERVER_ID], { jwtTtl: 2000 });
  const source = await JwtSource.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const first = await source.fetchJwtSvid({ audience: AUDIENCE });
    await delay(first.expiresAt.getTime() - Date.now());
    const later = await source.fetchJwtSvid({ audience: AUDIENCE });
    assert.notEqual(later.marshal(), first.marshal());
    assert.ok(later.expiresAt.getTime() > Date.now());
  } finally {
    await source.close();
  }
});

Deno.test("JwtSource does not cache a failed fetch", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "agent.sock");
  let agent = await startDevAgent({ sockets: [{ path, spiffeId: SERVER_ID }] });
  const source = await JwtSource.create({ address: `unix://${path}`, backoff: FAST_BACKOFF });
  try {
    await agent.close();
    await assertRejectsSpiffe(
      source.fetchJwtSvid({ audience: AUDIENCE }),
      WorkloadApiError,
      "ERR_WORKLOAD_API",
      /^UNAVAILABLE: /,
    );
    agent = await startDevAgent({ sockets: [{ path, spiffeId: SERVER_ID }] });
    // The agent is back: the same request is fetched again (the channel may take a moment
    // to reconnect, so retry the few UNAVAILABLE answers until then).
    let svid: JwtSvid | undefined;
    for (let attempt = 0; svid === undefined && attempt < 100; attempt++) {
      try {
        svid = await source.fetchJwtSvid({ audience: AUDIENCE });
      } catch (err) {
        if ((err as WorkloadApiError).grpcCode !== 14) throw err;
        await delay(50);
      }
    }
    assert.equal(svid?.id.toString(), SERVER_ID);
    JwtSvid.parseAndValidate(svid!.marshal(), agent.jwtBundle, AUDIENCE);
    await assertRejectsSpiffe(
      source.fetchJwtSvid({ audience: AUDIENCE, subject: SpiffeId.parse(CLIENT_ID) }),
      WorkloadApiError,
      "ERR_WORKLOAD_API",
      "PERMISSION_DENIED: no identity issued",
    );
  } finally {
    await source.close();
    await agent.close();
  }
});

Deno.test("JwtSource: one caller's abort does not fail another caller's shared fetch", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const source = await JwtSource.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const stop = new AbortController();
    const aborted = source.fetchJwtSvid({ audience: AUDIENCE }, { signal: stop.signal });
    const patient = source.fetchJwtSvid({ audience: AUDIENCE });
    stop.abort();
    await assertRejectsSpiffe(
      aborted,
      WorkloadApiError,
      "ERR_WORKLOAD_API",
      "CANCELLED: Cancelled on client",
    );
    assert.equal((await patient).id.toString(), SERVER_ID);
    // And a caller that gives up on a cached token only stops waiting itself.
    await assertRejectsSpiffe(
      source.fetchJwtSvid({ audience: AUDIENCE }, { signal: AbortSignal.abort() }),
      WorkloadApiError,
      "ERR_WORKLOAD_API",
      "CANCELLED: Cancelled on client",
    );
    assert.equal(await source.fetchJwtSvid({ audience: AUDIENCE }), await patient);
  } finally {
    await source.close();
  }
});

Deno.test("JwtSource sees an authority rotation through onUpdate and updates()", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const source = await JwtSource.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const oldToken = await source.fetchJwtSvid({ audience: AUDIENCE });
    const updates = new Recorder<JwtBundleSet>();
    const stop = source.onUpdate(updates.push);
    const iterator = source.updates();
    const fromIterator = iterator.next();
    const rotated = updates.next("the rotated JWT bundles");
    await agent.rotateAuthority();
    const bundles = await rotated;
    assert.equal(bundles.get(TD)!.jwtAuthorities().size, 2);
    assert.equal(
      ((await within(fromIterator, "the iterator")).value as JwtBundleSet).get(TD)!
        .jwtAuthorities().size,
      2,
    );
    assert.ok(source.getJwtBundleForTrustDomain(TD).equals(agent.jwtBundle));
    // Tokens of the old and of the new key both validate.
    JwtSvid.parseAndValidate(oldToken.marshal(), source, AUDIENCE);
    const client = new WorkloadApiClient({ address: agent.addresses[0] });
    try {
      const fresh = await client.fetchJwtSvid({ audience: AUDIENCE });
      JwtSvid.parseAndValidate(fresh.marshal(), source, AUDIENCE);
    } finally {
      await client.close();
    }
    stop();
    await iterator.return!();
  } finally {
    await source.close();
  }
});

Deno.test("JwtSource.create names the last watch error when its signal aborts", async () => {
  await using agent = await agentWith([null]);
  await assertRejectsSpiffe(
    JwtSource.create({
      address: agent.addresses[0],
      backoff: FAST_BACKOFF,
      signal: AbortSignal.timeout(300),
    }),
    WorkloadApiError,
    "ERR_WORKLOAD_API",
    `jwtsource: no update from the Workload API at ${agent.addresses[0]} (from the address ` +
      "option) before the signal aborted; last watch error: PERMISSION_DENIED: no identity issued",
  );
});

Deno.test("JwtSource.close() is idempotent; later calls fail with SourceClosedError", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const source = await JwtSource.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  await source.fetchJwtSvid({ audience: AUDIENCE });
  await source.close();
  await source.close();
  await source[Symbol.asyncDispose]();
  const closed = "jwtsource: source is closed";
  assertThrowsSpiffe(
    () => source.getJwtBundleForTrustDomain(TD),
    SourceClosedError,
    "ERR_SOURCE_CLOSED",
    closed,
  );
  await assertRejectsSpiffe(
    source.fetchJwtSvid({ audience: AUDIENCE }),
    SourceClosedError,
    "ERR_SOURCE_CLOSED",
    closed,
  );
  await assertRejectsSpiffe(
    source.fetchJwtSvids({ audience: AUDIENCE }),
    SourceClosedError,
    "ERR_SOURCE_CLOSED",
    closed,
  );
});
