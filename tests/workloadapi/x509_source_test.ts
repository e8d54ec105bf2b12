// X509Source against the devagent: readiness, rotation of SVIDs and of the authority, an
// agent that goes away and comes back (or is not there yet), rejected updates, pickers,
// expiry while the agent is gone, and the lifecycle.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import {
  BundleError,
  EndpointAddressError,
  type Logger,
  SourceClosedError,
  TrustDomain,
  verifyX509Svid,
  WorkloadApiClient,
  WorkloadApiError,
  X509Source,
  type X509SourceSnapshot,
  type X509Svid,
  X509SvidError,
} from "../../mod.ts";
import { type DevAgent, startDevAgent } from "../../src/devagent/mod.ts";
import { assertRejectsSpiffe, assertThrowsSpiffe } from "../_helpers/assert.ts";
import {
  agentWith,
  CLIENT_ID,
  delay,
  FAST_BACKOFF,
  Recorder,
  sameRoots,
  SERVER_ID,
  tempDir,
  within,
} from "../_helpers/agent.ts";

const TD = TrustDomain.parse("example.org");

/** A logger that records what it is told, for waiting on background events. */
function recordingLogger(): Logger & { lines: Recorder<string> } {
  const lines = new Recorder<string>();
  const log = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return { lines, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

function leafDer(svid: X509Svid): Uint8Array {
  return new Uint8Array(svid.certificates[0].raw);
}

function sameLeaf(a: X509Svid, b: X509Svid): boolean {
  return Buffer.from(leafDer(a)).equals(Buffer.from(leafDer(b)));
}

Deno.test("X509Source serves the SVID and the bundles of the first update", async () => {
  await using agent = await agentWith([SERVER_ID], { federatesWith: ["other.org"] });
  const source = await X509Source.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const svid = source.getX509Svid();
    assert.equal(svid.id.toString(), SERVER_ID);
    assert.ok(source.getX509BundleForTrustDomain(TD).equals(agent.bundle));
    assert.ok(
      source.getX509BundleForTrustDomain(TrustDomain.parse("other.org")).equals(
        agent.authority("other.org").x509Bundle(),
      ),
    );
    const snapshot = source.snapshot();
    assert.equal(snapshot.svid, svid);
    assert.equal(snapshot.context.svids[0], svid);
    assert.equal(snapshot.bundles, snapshot.context.bundles);
    assert.ok(Object.isFrozen(snapshot));
    assert.equal((await verifyX509Svid(svid.certificates, source)).id.toString(), SERVER_ID);
    assertThrowsSpiffe(
      () => source.getX509BundleForTrustDomain(TrustDomain.parse("unknown.org")),
      BundleError,
      "ERR_BUNDLE",
      'x509bundle: no X.509 bundle for trust domain "unknown.org"',
    );
  } finally {
    await source.close();
  }
});

Deno.test("X509Source sees a rotation through onUpdate and updates()", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const source = await X509Source.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const before = source.getX509Svid();
    const bundleBefore = source.getX509BundleForTrustDomain(TD);
    const updates = new Recorder<X509SourceSnapshot>();
    const stop = source.onUpdate(updates.push);
    const iterator = source.updates();
    const fromIterator = iterator.next();
    const rotated = updates.next("the rotated SVID", (s) => !sameLeaf(s.svid, before));
    await agent.rotate();
    const snapshot = await rotated;
    const iterated = await within(fromIterator, "the iterator's update");
    assert.equal(iterated.done, false);
    assert.equal((iterated.value as X509SourceSnapshot).svid.id.toString(), SERVER_ID);
    assert.equal(snapshot.svid.id.toString(), SERVER_ID);
    assert.ok(!sameLeaf(snapshot.svid, before));
    assert.equal(source.getX509Svid(), snapshot.svid);
    assert.ok(source.getX509BundleForTrustDomain(TD).equals(bundleBefore));
    stop();
    assert.deepEqual(await iterator.return!(), { value: undefined, done: true });
  } finally {
    await source.close();
  }
});

Deno.test("X509Source sees an authority rotation: both roots, and the new SVID verifies", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const source = await X509Source.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const before = source.getX509Svid();
    const oldRoot = source.getX509BundleForTrustDomain(TD).x509Authorities()[0];
    const updates = new Recorder<X509SourceSnapshot>();
    source.onUpdate(updates.push);
    const rotated = updates.next(
      "the new SVID under the new authority",
      (s) => !sameLeaf(s.svid, before) && s.bundles.get(TD)!.x509Authorities().length === 2,
    );
    await agent.rotateAuthority();
    await rotated;
    const bundle = source.getX509BundleForTrustDomain(TD);
    assert.equal(bundle.x509Authorities().length, 2);
    assert.ok(bundle.hasX509Authority(oldRoot));
    assert.ok(sameRoots(bundle, agent.bundle));
    const svid = source.getX509Svid();
    const verified = await verifyX509Svid(svid.certificates, source);
    assert.equal(verified.id.toString(), SERVER_ID);
    // The new SVID chains to the new root, the old one still to the old root.
    const newRoot = verified.verifiedChains[0].at(-1)!;
    assert.notDeepEqual(newRoot.raw, oldRoot.raw);
    const old = await verifyX509Svid(before.certificates, source);
    assert.deepEqual(old.verifiedChains[0].at(-1)!.raw, oldRoot.raw);
  } finally {
    await source.close();
  }
});

Deno.test("X509Source keeps the last SVID while the agent is gone and recovers after a restart", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "agent.sock");
  let agent: DevAgent = await startDevAgent({ sockets: [{ path, spiffeId: SERVER_ID }] });
  const logger = recordingLogger();
  const source = await X509Source.create({
    address: `unix://${path}`,
    backoff: FAST_BACKOFF,
    logger,
  });
  try {
    const before = source.getX509Svid();
    const bundleBefore = source.getX509BundleForTrustDomain(TD);
    const updates = new Recorder<X509SourceSnapshot>();
    source.onUpdate(updates.push);

    const noticed = logger.lines.next(
      "the watch to notice the outage",
      (line) => line.startsWith("info: workloadapi: X.509 context: ") && line.includes("retrying"),
    );
    await agent.close();
    await noticed;
    // A few failed attempts later the source still serves the last SVID.
    await logger.lines.next("another retry", (line) => line.includes("retrying"));
    assert.equal(source.getX509Svid(), before);
    assert.equal(source.getX509BundleForTrustDomain(TD), bundleBefore);
    assert.deepEqual(updates.values, []);

    agent = await startDevAgent({ sockets: [{ path, spiffeId: SERVER_ID }] });
    const recovered = await updates.waitFor(
      "the new agent's SVID",
      (s) => s.bundles.get(TD)!.equals(agent.bundle),
    );
    assert.ok(!sameLeaf(recovered.svid, before));
    assert.equal(recovered.svid.id.toString(), SERVER_ID);
    assert.equal(source.getX509Svid(), recovered.svid);
    await verifyX509Svid(source.getX509Svid().certificates, source);
  } finally {
    await source.close();
    await agent.close();
  }
});

Deno.test("X509Source.create waits for an agent that starts later", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "agent.sock");
  const logger = recordingLogger();
  const attempt = logger.lines.next("a failed attempt", (line) => line.includes("retrying"));
  const creating = X509Source.create({ address: `unix://${path}`, backoff: FAST_BACKOFF, logger });
  let created = false;
  creating.then(() => (created = true), () => {});
  await attempt;
  assert.equal(created, false);
  await using agent = await startDevAgent({ sockets: [{ path, spiffeId: SERVER_ID }] });
  const source = await within(creating, "the source to become ready");
  try {
    assert.equal(source.getX509Svid().id.toString(), SERVER_ID);
    assert.ok(source.getX509BundleForTrustDomain(TD).equals(agent.bundle));
  } finally {
    await source.close();
  }
});

Deno.test("X509Source.create names the last watch error when its signal aborts (PermissionDenied)", async () => {
  await using agent = await agentWith([null]);
  const err = await X509Source.create({
    address: agent.addresses[0],
    backoff: FAST_BACKOFF,
    signal: AbortSignal.timeout(300),
  }).then(() => assert.fail("create resolved"), (err) => err);
  assert.ok(err instanceof WorkloadApiError);
  assert.equal(err.code, "ERR_WORKLOAD_API");
  assert.equal(
    err.message,
    `x509source: no update from the Workload API at ${agent.addresses[0]} (from the address ` +
      "option) before the signal aborted; last watch error: PERMISSION_DENIED: no identity issued",
  );
  assert.equal(err.grpcCode, 7);
  assert.ok(err.cause instanceof WorkloadApiError);
  assert.equal((err.cause as WorkloadApiError).message, "PERMISSION_DENIED: no identity issued");
});

Deno.test("X509Source.create: no agent at all, and an already aborted signal", async () => {
  await using temp = await tempDir();
  const address = `unix://${join(temp.dir, "absent.sock")}`;
  await assertRejectsSpiffe(
    X509Source.create({ address, backoff: FAST_BACKOFF, signal: AbortSignal.timeout(200) }),
    WorkloadApiError,
    "ERR_WORKLOAD_API",
    `x509source: no update from the Workload API at ${address} (from the address option) ` +
      "before the signal aborted; last watch error: UNAVAILABLE: No connection established. " +
      `Last error: connect ENOENT ${join(temp.dir, "absent.sock")}`,
  );
  await assertRejectsSpiffe(
    X509Source.create({ address, backoff: FAST_BACKOFF, signal: AbortSignal.abort() }),
    WorkloadApiError,
    "ERR_WORKLOAD_API",
    `x509source: no update from the Workload API at ${address} (from the address option) ` +
      "before the signal aborted; last watch error: none (the agent has not answered)",
  );
});

Deno.test("X509Source.create rejects a bad address with an EndpointAddressError", async () => {
  await assertRejectsSpiffe(
    X509Source.create({ address: "unix://host/agent.sock" }),
    EndpointAddressError,
    "ERR_ENDPOINT_ADDRESS",
    "workload endpoint unix socket URI must not include an authority: the address option is " +
      '"unix://host/agent.sock"; use unix:///absolute/path (three slashes)',
  );
});

Deno.test("X509Source keeps the last good SVID across malformed updates", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const logger = recordingLogger();
  const source = await X509Source.create({
    address: agent.addresses[0],
    backoff: FAST_BACKOFF,
    logger,
  });
  try {
    const good = source.getX509Svid();
    const { certificates, privateKey } = good.marshalRaw();
    const bundle = new Uint8Array(
      Buffer.concat(agent.bundle.x509Authorities().map((cert) => cert.raw)),
    );
    const valid = { spiffeId: SERVER_ID, x509Svid: certificates, x509SvidKey: privateKey, bundle };
    const updates = new Recorder<X509SourceSnapshot>();
    source.onUpdate(updates.push);
    const bad: [string, Parameters<DevAgent["injectX509SvidResponse"]>[1], RegExp][] = [
      [
        "garbage DER",
        { svids: [{ ...valid, x509Svid: new Uint8Array([9, 9, 9]) }] },
        /x509svid: cannot parse DER encoded certificate: /,
      ],
      ["empty svids", { svids: [] }, /workloadapi: no SVIDs in response$/],
      ["bad bundle", { svids: [{ ...valid, bundle: new Uint8Array([1, 2, 3]) }] }, /x509bundle: /],
      [
        "mismatched spiffe_id",
        { svids: [{ ...valid, spiffeId: CLIENT_ID }] },
        /workloadapi: SVID 0 spiffe_id "spiffe:\/\/example.org\/client" does not match/,
      ],
    ];
    for (const [what, message, pattern] of bad) {
      const rejected = logger.lines.next(
        `the rejection of ${what}`,
        (line) =>
          line.startsWith("warn: workloadapi: X.509 context: rejected update: ") &&
          pattern.test(line),
      );
      agent.injectX509SvidResponse(0, message);
      await rejected;
      assert.equal(source.getX509Svid(), good, what);
    }
    assert.deepEqual(updates.values, []);
    const rotated = updates.next("the rotation", (s) => !sameLeaf(s.svid, good));
    await agent.rotate();
    await rotated;
    assert.ok(!sameLeaf(source.getX509Svid(), good));
  } finally {
    await source.close();
  }
});

Deno.test("X509Source picks the SVID by hint, by picker, or the first", async () => {
  await using temp = await tempDir();
  await using agent = await startDevAgent({
    sockets: [
      { path: join(temp.dir, "a.sock"), spiffeId: SERVER_ID, hint: "internal" },
      { path: join(temp.dir, "b.sock"), spiffeId: CLIENT_ID, hint: "external" },
    ],
  });
  const fetch = async (address: string) => {
    const client = new WorkloadApiClient({ address });
    try {
      return await client.fetchX509Svid();
    } finally {
      await client.close();
    }
  };
  const client = await fetch(agent.addresses[1]);
  assert.equal(client.hint, "external");
  const bundle = new Uint8Array(
    Buffer.concat(agent.bundle.x509Authorities().map((cert) => cert.raw)),
  );
  const entry = (svid: X509Svid) => {
    const { certificates, privateKey } = svid.marshalRaw();
    return {
      spiffeId: svid.id.toString(),
      x509Svid: certificates,
      x509SvidKey: privateKey,
      bundle,
      hint: svid.hint,
    };
  };

  const byHint = await X509Source.create({
    address: agent.addresses[0],
    hint: "internal",
    backoff: FAST_BACKOFF,
  });
  const first = await X509Source.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  const byPicker = await X509Source.create({
    address: agent.addresses[0],
    backoff: FAST_BACKOFF,
    picker: (svids) => svids.find((svid) => svid.id.path === "/server"),
  });
  try {
    const server = byHint.getX509Svid();
    assert.equal(server.hint, "internal");
    const updates = [byHint, first, byPicker].map((source) => {
      const recorder = new Recorder<X509SourceSnapshot>();
      source.onUpdate(recorder.push);
      return recorder.next("the two-SVID update");
    });
    // The client SVID first, then the server SVID, then a duplicate hint (dropped).
    agent.injectX509SvidResponse(0, {
      svids: [entry(client), entry(server), { ...entry(client), hint: "internal" }],
    });
    const [hinted, defaulted, picked] = await Promise.all(updates);
    assert.equal(hinted.svid.id.toString(), SERVER_ID);
    assert.equal(hinted.context.svids.length, 2);
    assert.equal(defaulted.svid.id.toString(), CLIENT_ID);
    assert.equal(picked.svid.id.toString(), SERVER_ID);
  } finally {
    await Promise.all([byHint.close(), first.close(), byPicker.close()]);
  }

  // A hint no SVID has: every update is rejected, and create says why.
  await assertRejectsSpiffe(
    X509Source.create({
      address: agent.addresses[0],
      hint: "nope",
      backoff: FAST_BACKOFF,
      signal: AbortSignal.timeout(300),
    }),
    WorkloadApiError,
    "ERR_WORKLOAD_API",
    `x509source: no update from the Workload API at ${agent.addresses[0]} (from the address ` +
      "option) before the signal aborted; last watch error: x509source: the picker chose no " +
      "SVID from the update",
  );
});

Deno.test("an SVID that expired while the agent was gone makes getX509Svid throw", async () => {
  const agent = await agentWith([SERVER_ID], { svidTtl: 1500 });
  const logger = recordingLogger();
  const source = await X509Source.create({
    address: agent.addresses[0],
    backoff: FAST_BACKOFF,
    logger,
  });
  try {
    const noticed = logger.lines.next("the outage", (line) => line.includes("retrying"));
    await agent[Symbol.asyncDispose]();
    await noticed;
    const held = source.snapshot().svid;
    await delay(held.expiresAt.getTime() - Date.now() + 50);
    const err = assertThrowsSpiffe(
      () => source.getX509Svid(),
      X509SvidError,
      "ERR_X509_SVID",
      new RegExp(
        `^x509source: X509-SVID "${SERVER_ID}" expired at ${
          held.expiresAt.toISOString().replace(/\./g, "\\.")
        } and no newer one has arrived: `,
      ),
    );
    assert.ok(err.cause instanceof WorkloadApiError);
    assert.ok(err.message.endsWith(`: ${(err.cause as WorkloadApiError).message}`));
    // The snapshot is still there for callers that want to inspect it.
    assert.equal(source.snapshot().svid, held);
  } finally {
    await source.close();
    await agent[Symbol.asyncDispose]();
  }
});

Deno.test("X509Source.close() is idempotent and ends listeners and iterators", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const source = await X509Source.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  const iterator = source.updates();
  const pending = iterator.next();
  await source.close();
  await source.close();
  await source[Symbol.asyncDispose]();
  assert.deepEqual(await within(pending, "the iterator to end"), { value: undefined, done: true });
  for (
    const call of [
      () => source.getX509Svid(),
      () => source.snapshot(),
      () => source.getX509BundleForTrustDomain(TD),
    ]
  ) {
    assertThrowsSpiffe(
      call,
      SourceClosedError,
      "ERR_SOURCE_CLOSED",
      "x509source: source is closed",
    );
  }
});

Deno.test("X509Source with a given client leaves the client open", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    {
      await using source = await X509Source.create({ client });
      assert.equal(source.getX509Svid().id.toString(), SERVER_ID);
    }
    assert.equal((await client.fetchX509Svid()).id.toString(), SERVER_ID);
  } finally {
    await client.close();
  }
});

Deno.test("X509Source over a closed client fails at once", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  await client.close();
  await assertRejectsSpiffe(
    within(X509Source.create({ client }), "create to fail"),
    SourceClosedError,
    "ERR_SOURCE_CLOSED",
    "workloadapi: client is closed",
  );
});
