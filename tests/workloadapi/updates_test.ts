// The update iterators do not swallow watch errors: they throw once `maxRetries` failed
// attempts in a row are used up (naming the address and the last failure), `onError`
// sees every error on the way, and a good update starts the count over. Plus the
// client's `await using`.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type BackoffStrategy,
  nullLogger,
  SourceClosedError,
  type SpiffeError,
  WorkloadApiClient,
  WorkloadApiError,
  type X509Context,
  X509SvidError,
} from "../../mod.ts";
import { type DevAgent, startDevAgent } from "../../src/devagent/mod.ts";
import { assertRejectsSpiffe } from "../_helpers/assert.ts";
import {
  agentWith,
  FAST_BACKOFF,
  Recorder,
  SERVER_ID,
  tempDir,
  within,
} from "../_helpers/agent.ts";

/** The failure of a retry loop that gave up, as the iterator throws it. */
function gaveUp(attempts: number, address: string, last: string): string {
  return `workloadapi: X.509 context watch gave up after ${attempts} failed attempts on ` +
    `${address} (from the address option): ${last}`;
}

Deno.test("an iterator over an absent agent throws after maxRetries retries, naming the address", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "absent.sock");
  const address = `unix://${path}`;
  await using client = new WorkloadApiClient({
    address,
    backoff: FAST_BACKOFF,
    logger: nullLogger,
  });
  const errors: SpiffeError[] = [];
  const iterator = client.x509ContextUpdates({ maxRetries: 2, onError: (err) => errors.push(err) });
  const unavailable = `UNAVAILABLE: No connection established. Last error: connect ENOENT ${path}`;
  const err = await within(iterator.next(), "the iterator to throw").then(
    () => assert.fail("the iterator yielded"),
    (err) => err,
  );
  assert.ok(err instanceof WorkloadApiError);
  assert.equal(err.code, "ERR_WORKLOAD_API");
  assert.equal(err.message, gaveUp(3, address, unavailable));
  assert.equal(err.grpcCode, 14);
  assert.ok(err.cause instanceof WorkloadApiError);
  assert.equal((err.cause as WorkloadApiError).message, unavailable);
  // onError saw each of the three failed attempts.
  assert.deepEqual(errors.map((e) => e.message), [unavailable, unavailable, unavailable]);
  // The iterator is done after it threw.
  assert.deepEqual(await iterator.next(), { value: undefined, done: true });
});

Deno.test("an iterator throws when the agent goes away for longer than its retries (maxRetries 0)", async () => {
  const agent = await agentWith([SERVER_ID]);
  const address = agent.addresses[0];
  await using client = new WorkloadApiClient({
    address,
    backoff: FAST_BACKOFF,
    logger: nullLogger,
  });
  try {
    const seen: X509Context[] = [];
    const err = await within(
      (async () => {
        for await (const context of client.x509ContextUpdates({ maxRetries: 0 })) {
          seen.push(context);
          await agent.close();
        }
      })().then(() => assert.fail("the loop ended"), (err) => err),
      "the loop to throw",
    );
    assert.equal(seen.length, 1);
    assert.ok(err instanceof WorkloadApiError);
    assert.match(
      err.message,
      /^workloadapi: X\.509 context watch gave up after 1 failed attempts on unix:\/\/\S+ \(from the address option\): /,
    );
    assert.equal(err.message.slice(err.message.indexOf("): ") + 3), (err.cause as Error).message);
  } finally {
    await agent[Symbol.asyncDispose]();
  }
});

Deno.test("a good update starts the count of failed attempts over", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "agent.sock");
  const address = `unix://${path}`;
  // Long enough between attempts that the agent is up again when the next one starts.
  const slow: BackoffStrategy = { newBackoff: () => ({ next: () => 1500, reset() {} }) };
  await using client = new WorkloadApiClient({ address, backoff: slow, logger: nullLogger });
  const errors = new Recorder<SpiffeError>();
  const iterator = client.x509ContextUpdates({ maxRetries: 1, onError: errors.push });
  let agent: DevAgent | undefined;
  try {
    // Attempt 1 fails (no agent yet); the agent starts before attempt 2, which succeeds.
    const first = iterator.next();
    await errors.waitFor("the first failed attempt");
    agent = await startDevAgent({ sockets: [{ path, spiffeId: SERVER_ID }] });
    assert.equal((await within(first, "the first update")).done, false);
    // Now the agent goes away for good: two more failed attempts in a row. Without the
    // reset, the first of them would already have been one too many.
    const failing = iterator.next();
    await agent.close();
    agent = undefined;
    const err = await within(failing, "the iterator to throw", 15_000)
      .then(() => assert.fail("the iterator yielded"), (err) => err);
    assert.ok(err instanceof WorkloadApiError);
    assert.equal(errors.values.length, 3);
    assert.equal(
      err.message,
      gaveUp(2, address, errors.values[2].message),
    );
    assert.match(errors.values[2].message, /^UNAVAILABLE: /);
  } finally {
    await iterator.return?.();
    await agent?.close();
  }
});

Deno.test("onError sees rejected updates while the iteration goes on", async () => {
  await using agent = await agentWith([SERVER_ID]);
  await using client = new WorkloadApiClient({
    address: agent.addresses[0],
    backoff: FAST_BACKOFF,
    logger: nullLogger,
  });
  const errors = new Recorder<SpiffeError>();
  const iterator = client.x509ContextUpdates({ onError: errors.push });
  try {
    const first = await within(iterator.next(), "the first update");
    assert.equal(first.done, false);
    agent.injectX509SvidResponse(0, {
      svids: [{
        spiffeId: SERVER_ID,
        x509Svid: new Uint8Array([9]),
        x509SvidKey: new Uint8Array([9]),
        bundle: new Uint8Array([9]),
      }],
    });
    const rejected = await errors.waitFor("the rejected update");
    assert.ok(rejected instanceof X509SvidError);
    assert.equal(rejected.code, "ERR_X509_SVID");
    assert.match(rejected.message, /^x509svid: cannot parse DER encoded certificate: /);
    const next = iterator.next();
    await agent.rotate();
    assert.equal((await within(next, "the rotated update")).done, false);
  } finally {
    await iterator.return?.();
  }
});

Deno.test("maxRetries must not be negative", () => {
  const client = new WorkloadApiClient({ address: "unix:///nowhere.sock" });
  for (const maxRetries of [-1, Number.NaN]) {
    assert.throws(() => client.x509BundlesUpdates({ maxRetries }), {
      name: "RangeError",
      message: "maxRetries must be a number >= 0",
    });
  }
});

Deno.test("await using closes the client", async () => {
  await using agent = await agentWith([SERVER_ID]);
  let escaped: WorkloadApiClient;
  {
    await using client = new WorkloadApiClient({ address: agent.addresses[0] });
    assert.equal((await client.fetchX509Svid()).id.toString(), SERVER_ID);
    escaped = client;
  }
  await assertRejectsSpiffe(
    escaped.fetchX509Svid(),
    SourceClosedError,
    "ERR_SOURCE_CLOSED",
    "workloadapi: client is closed",
  );
});
