// The three watches of WorkloadApiClient, as watchers and as async iterators: every update
// is delivered, a malformed update is reported and skipped, retryable failures are retried,
// and aborting (or closing the client) ends the watch.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { join } from "node:path";
import {
  BundleError,
  type JwtBundleSet,
  nullLogger,
  SourceClosedError,
  type SpiffeError,
  TrustDomain,
  WorkloadApiClient,
  WorkloadApiError,
  type X509BundleSet,
  type X509Context,
  X509SvidError,
} from "../../mod.ts";
import type { X509SvidResponseMessage } from "../../src/devagent/mod.ts";
import { assertRejectsSpiffe } from "../_helpers/assert.ts";
import {
  agentWith,
  FAST_BACKOFF,
  Recorder,
  sameRoots,
  SERVER_ID,
  tempDir,
  within,
} from "../_helpers/agent.ts";

const TD = TrustDomain.parse("example.org");
const CODES = new Map<unknown, string>([
  [WorkloadApiError, "ERR_WORKLOAD_API"],
  [X509SvidError, "ERR_X509_SVID"],
  [BundleError, "ERR_BUNDLE"],
]);

function der(certs: readonly { raw: Uint8Array }[]): Uint8Array {
  return new Uint8Array(Buffer.concat(certs.map((cert) => cert.raw)));
}

/** A watcher recording updates and errors. */
function x509Watcher() {
  const updates = new Recorder<X509Context>();
  const errors = new Recorder<SpiffeError>();
  return {
    updates,
    errors,
    watcher: { onX509ContextUpdate: updates.push, onX509ContextWatchError: errors.push },
  };
}

function assertError(
  err: SpiffeError,
  type: new (...args: never[]) => SpiffeError,
  code: string,
  message: string | RegExp,
): void {
  assert.ok(err instanceof type, `expected ${type.name}, got ${err.name}: ${err.message}`);
  assert.equal(err.code, code);
  if (typeof message === "string") assert.equal(err.message, message);
  else assert.match(err.message, message);
}

Deno.test("watchX509Context delivers the first state and every rotation", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  const stop = new AbortController();
  const { updates, errors, watcher } = x509Watcher();
  const watching = client.watchX509Context(watcher, stop.signal);
  try {
    const first = await updates.waitFor("the first X.509 context");
    assert.equal(first.svids[0].id.toString(), SERVER_ID);
    const rotated = updates.next("the rotated X.509 context");
    await agent.rotate();
    const second = await rotated;
    assert.equal(second.svids[0].id.toString(), SERVER_ID);
    assert.notDeepEqual(second.svids[0].certificates[0].raw, first.svids[0].certificates[0].raw);
    assert.ok(second.bundles.getX509BundleForTrustDomain(TD).equals(first.bundles.get(TD)!));
    assert.deepEqual(errors.values, []);
  } finally {
    stop.abort();
    await watching;
    await client.close();
  }
});

Deno.test("watchX509Bundles and watchJwtBundles deliver authority rotations", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  const stop = new AbortController();
  const x509 = new Recorder<X509BundleSet>();
  const jwt = new Recorder<JwtBundleSet>();
  const errors = new Recorder<SpiffeError>();
  const watches = [
    client.watchX509Bundles({
      onX509BundlesUpdate: x509.push,
      onX509BundlesWatchError: errors.push,
    }, stop.signal),
    client.watchJwtBundles({
      onJwtBundlesUpdate: jwt.push,
      onJwtBundlesWatchError: errors.push,
    }, stop.signal),
  ];
  try {
    const x509First = await x509.waitFor("the first X.509 bundles");
    const jwtFirst = await jwt.waitFor("the first JWT bundles");
    assert.equal(x509First.get(TD)!.x509Authorities().length, 1);
    assert.equal(jwtFirst.get(TD)!.jwtAuthorities().size, 1);
    const x509Rotated = x509.next("the rotated X.509 bundles");
    const jwtRotated = jwt.next("the rotated JWT bundles");
    await agent.rotateAuthority();
    const x509Second = await x509Rotated;
    const jwtSecond = await jwtRotated;
    assert.equal(x509Second.get(TD)!.x509Authorities().length, 2);
    assert.ok(sameRoots(x509Second.get(TD)!, agent.bundle));
    assert.equal(jwtSecond.get(TD)!.jwtAuthorities().size, 2);
    assert.ok(jwtSecond.get(TD)!.equals(agent.jwtBundle));
    assert.deepEqual(errors.values, []);
  } finally {
    stop.abort();
    await Promise.all(watches);
    await client.close();
  }
});

Deno.test("x509ContextUpdates yields the first state and each rotation", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const seen: X509Context[] = [];
    for await (const context of client.x509ContextUpdates()) {
      seen.push(context);
      if (seen.length === 1) await agent.rotate();
      else break;
    }
    assert.equal(seen.length, 2);
    assert.equal(seen[1].svids[0].id.toString(), SERVER_ID);
    assert.notDeepEqual(seen[1].svids[0].certificates[0].raw, seen[0].svids[0].certificates[0].raw);
  } finally {
    await client.close();
  }
});

Deno.test("x509BundlesUpdates and jwtBundlesUpdates yield bundle changes", async () => {
  await using agent = await agentWith([SERVER_ID], { federatesWith: ["other.org"] });
  const client = new WorkloadApiClient({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const x509 = client.x509BundlesUpdates();
    const jwt = client.jwtBundlesUpdates();
    const x509First = await within(x509.next(), "X.509 bundles");
    const jwtFirst = await within(jwt.next(), "JWT bundles");
    assert.equal(x509First.done, false);
    assert.equal(jwtFirst.done, false);
    assert.equal((x509First.value as X509BundleSet).size, 2);
    assert.equal((jwtFirst.value as JwtBundleSet).size, 2);
    await agent.rotateAuthority();
    const x509Second = await within(x509.next(), "rotated X.509 bundles");
    const jwtSecond = await within(jwt.next(), "rotated JWT bundles");
    assert.equal((x509Second.value as X509BundleSet).get(TD)!.x509Authorities().length, 2);
    assert.equal((jwtSecond.value as JwtBundleSet).get(TD)!.jwtAuthorities().size, 2);
    assert.deepEqual(await x509.return!(), { value: undefined, done: true });
    assert.deepEqual(await jwt.return!(), { value: undefined, done: true });
  } finally {
    await client.close();
  }
});

Deno.test("an update iterator ends when its signal aborts", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const stop = new AbortController();
    const seen: X509Context[] = [];
    for await (const context of client.x509ContextUpdates({ signal: stop.signal })) {
      seen.push(context);
      stop.abort();
    }
    assert.equal(seen.length, 1);
    // An iterator over an already aborted signal yields nothing.
    const none = client.jwtBundlesUpdates({ signal: AbortSignal.abort() });
    assert.deepEqual(await none.next(), { value: undefined, done: true });
  } finally {
    await client.close();
  }
});

Deno.test("closing the client ends its watches and iterators", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  const { updates, watcher } = x509Watcher();
  const watching = client.watchX509Context(watcher, new AbortController().signal);
  const iterator = client.x509BundlesUpdates();
  await updates.waitFor("the first X.509 context");
  assert.equal((await within(iterator.next(), "X.509 bundles")).done, false);
  const pending = iterator.next();
  await client.close();
  await within(watching, "the watch to end");
  assert.deepEqual(await within(pending, "the iterator to end"), { value: undefined, done: true });
  await assertRejectsSpiffe(
    client.watchX509Context(watcher, new AbortController().signal),
    SourceClosedError,
    "ERR_SOURCE_CLOSED",
    "workloadapi: client is closed",
  );
});

Deno.test("a watch on an endpoint without identity retries PermissionDenied until aborted", async () => {
  await using agent = await agentWith([null]);
  const client = new WorkloadApiClient({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  const stop = new AbortController();
  const { updates, errors, watcher } = x509Watcher();
  const watching = client.watchX509Context(watcher, stop.signal);
  try {
    await errors.waitFor("three PermissionDenied errors", () => errors.values.length >= 3);
    for (const err of errors.values) {
      assertError(
        err,
        WorkloadApiError,
        "ERR_WORKLOAD_API",
        "PERMISSION_DENIED: no identity issued",
      );
      assert.equal((err as WorkloadApiError).grpcCode, 7);
    }
    assert.deepEqual(updates.values, []);
  } finally {
    stop.abort();
    await watching;
    await client.close();
  }
});

Deno.test("a watch stops for good on Unimplemented", async () => {
  // A real gRPC server that serves no Workload API: every method is UNIMPLEMENTED.
  await using temp = await tempDir();
  const path = join(temp.dir, "empty.sock");
  const server = new grpc.Server();
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `unix://${path}`,
      grpc.ServerCredentials.createInsecure(),
      (err, port) => err ? reject(err) : resolve(port),
    )
  );
  const client = new WorkloadApiClient({ address: `unix://${path}`, backoff: FAST_BACKOFF });
  try {
    const { errors, watcher } = x509Watcher();
    const err = await within(
      client.watchX509Context(watcher, new AbortController().signal).then(
        () => assert.fail("the watch resolved"),
        (err) => err,
      ),
      "the watch to fail",
    );
    assertError(err, WorkloadApiError, "ERR_WORKLOAD_API", /^UNIMPLEMENTED: /);
    assert.equal(err.grpcCode, 12);
    assert.deepEqual(errors.values, [err]);
    const iterator = client.jwtBundlesUpdates();
    await assertRejectsSpiffe(
      within(iterator.next(), "the iterator to fail"),
      WorkloadApiError,
      "ERR_WORKLOAD_API",
      /^UNIMPLEMENTED: /,
    );
  } finally {
    await client.close();
    server.forceShutdown();
  }
});

Deno.test("malformed X.509 updates are reported and skipped; later good updates are applied", async () => {
  await using agent = await agentWith([SERVER_ID]);
  // The watcher hears each rejection; the default logger would also warn on stderr.
  const client = new WorkloadApiClient({
    address: agent.addresses[0],
    backoff: FAST_BACKOFF,
    logger: nullLogger,
  });
  const other = await agentWith(["spiffe://example.org/other"]);
  const otherClient = new WorkloadApiClient({ address: other.addresses[0] });
  const stranger = await otherClient.fetchX509Svid();
  await otherClient.close();
  await other[Symbol.asyncDispose]();

  const stop = new AbortController();
  const { updates, errors, watcher } = x509Watcher();
  const watching = client.watchX509Context(watcher, stop.signal);
  try {
    const good = await updates.waitFor("the first X.509 context");
    const { certificates, privateKey } = good.svids[0].marshalRaw();
    const bundle = der(agent.bundle.x509Authorities());
    const valid = {
      spiffeId: SERVER_ID,
      x509Svid: certificates,
      x509SvidKey: privateKey,
      bundle,
      hint: "",
    };
    const cases: [
      string,
      X509SvidResponseMessage,
      new (...args: never[]) => SpiffeError,
      string | RegExp,
    ][] = [
      [
        "garbage DER",
        { svids: [{ ...valid, x509Svid: new Uint8Array([1, 2, 3, 4]) }] },
        X509SvidError,
        /^x509svid: cannot parse DER encoded certificate: /,
      ],
      [
        "a key that does not match the certificate",
        { svids: [{ ...valid, x509SvidKey: stranger.marshalRaw().privateKey }] },
        X509SvidError,
        "x509svid: private key validation failed: leaf certificate does not match private key",
      ],
      [
        "garbage key",
        { svids: [{ ...valid, x509SvidKey: new Uint8Array([48, 3, 2, 1, 0]) }] },
        X509SvidError,
        /^x509svid: cannot parse DER encoded private key: /,
      ],
      ["no SVIDs", { svids: [] }, WorkloadApiError, "workloadapi: no SVIDs in response"],
      [
        "bad bundle bytes",
        { svids: [{ ...valid, bundle: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) }] },
        BundleError,
        /^x509bundle: /,
      ],
      [
        "bad federated bundle bytes",
        {
          svids: [valid],
          federatedBundles: { "spiffe://other.org": new Uint8Array([0xde, 0xad]) },
        },
        BundleError,
        /^x509bundle: cannot parse bundle for trust domain "other.org": /,
      ],
      [
        "a spiffe_id that is not the certificate's",
        { svids: [{ ...valid, spiffeId: "spiffe://example.org/impostor" }] },
        WorkloadApiError,
        `workloadapi: SVID 0 spiffe_id "spiffe://example.org/impostor" does not match its certificate's ID "${SERVER_ID}"`,
      ],
      [
        "a missing spiffe_id",
        { svids: [{ ...valid, spiffeId: "" }] },
        WorkloadApiError,
        "workloadapi: SVID 0 has no spiffe_id",
      ],
      [
        "a missing bundle",
        { svids: [{ ...valid, bundle: new Uint8Array() }] },
        WorkloadApiError,
        "workloadapi: SVID 0 has no bundle",
      ],
    ];
    for (const [what, message, type, text] of cases) {
      const error = errors.next(`the error for ${what}`);
      agent.injectX509SvidResponse(0, message);
      const err = await error;
      assertError(err, type, CODES.get(type)!, text);
    }
    assert.equal(updates.values.length, 1, "no malformed update was delivered");

    // The stream is still open: a well-formed message and a rotation are delivered.
    const injected = updates.next("the injected good update");
    agent.injectX509SvidResponse(0, { svids: [{ ...valid, hint: "injected" }] });
    assert.equal((await injected).svids[0].hint, "injected");
    const next = updates.next("the rotated context");
    await agent.rotate();
    const rotated = await next;
    assert.notDeepEqual(rotated.svids[0].certificates[0].raw, good.svids[0].certificates[0].raw);
  } finally {
    stop.abort();
    await watching;
    await client.close();
  }
});
