// What the client reports when the endpoint cannot be reached: a unix path that holds a
// regular file or a directory is "not a socket" (an EndpointAddressError that ends
// fetches, watches, iterators and sources at once, since retrying cannot help), and a
// connection failure reads as the system's words, without grpc-js's dangling
// "Resolution note:" text.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import {
  EndpointAddressError,
  nullLogger,
  type SpiffeError,
  WorkloadApiClient,
  WorkloadApiError,
  X509Source,
} from "../../mod.ts";
import { assertRejectsSpiffe } from "../_helpers/assert.ts";
import { FAST_BACKOFF, tempDir, within } from "../_helpers/agent.ts";

const ENV = "SPIFFE_ENDPOINT_SOCKET";

function notASocket(path: string, what: string, from: string, address: string): string {
  return `workload endpoint unix socket "${path}" is not a socket (it is ${what}): ` +
    `${from} is "${address}"; point it at the agent's socket`;
}

async function withEndpointEnv<T>(value: string, fn: () => Promise<T>): Promise<T> {
  const saved = Deno.env.get(ENV);
  Deno.env.set(ENV, value);
  try {
    return await fn();
  } finally {
    if (saved === undefined) Deno.env.delete(ENV);
    else Deno.env.set(ENV, saved);
  }
}

Deno.test("a regular file at the unix path: fetches fail with 'is not a socket'", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "agent.sock");
  await writeFile(path, "not a socket");
  const address = `unix://${path}`;
  await using client = new WorkloadApiClient({ address, logger: nullLogger });
  const message = notASocket(path, "a regular file", "the address option", address);
  for (
    const [name, call] of [
      ["fetchX509Context", () => client.fetchX509Context()],
      ["fetchJwtBundles", () => client.fetchJwtBundles()],
      ["fetchJwtSvid", () => client.fetchJwtSvid({ audience: "db" })],
    ] as const
  ) {
    const err = await call().then(() => assert.fail(`${name} resolved`), (err) => err);
    assert.ok(err instanceof EndpointAddressError, `${name}: ${err}`);
    assert.equal(err.code, "ERR_ENDPOINT_ADDRESS");
    assert.equal(err.message, message, name);
    assert.equal(err.address, address);
    assert.equal(err.origin, "address option");
    // The connection failure it explains is kept.
    assert.ok(err.cause instanceof WorkloadApiError);
    assert.equal((err.cause as WorkloadApiError).grpcCode, 14);
  }
});

Deno.test("a directory at the unix path (from SPIFFE_ENDPOINT_SOCKET) ends watches, iterators and sources at once", async () => {
  await using temp = await tempDir();
  // What a container bind mount of a socket that did not exist yet leaves behind.
  const path = join(temp.dir, "agent.sock");
  await mkdir(path);
  const address = `unix://${path}`;
  const message = notASocket(path, "a directory", "SPIFFE_ENDPOINT_SOCKET", address);
  await withEndpointEnv(address, async () => {
    await using client = new WorkloadApiClient({ backoff: FAST_BACKOFF, logger: nullLogger });
    const errors: SpiffeError[] = [];
    const watch = client.watchX509Context({
      onX509ContextUpdate: () => assert.fail("an update"),
      onX509ContextWatchError: (err) => errors.push(err),
    }, new AbortController().signal);
    await assertRejectsSpiffe(
      within(watch, "the watch to end"),
      EndpointAddressError,
      "ERR_ENDPOINT_ADDRESS",
      message,
    );
    assert.equal(errors.length, 1);
    assert.equal(errors[0].message, message);

    await assertRejectsSpiffe(
      within(client.jwtBundlesUpdates().next(), "the iterator to throw"),
      EndpointAddressError,
      "ERR_ENDPOINT_ADDRESS",
      message,
    );

    // No signal: the source does not wait forever, it says why at once.
    const err = await within(X509Source.create({ logger: nullLogger }), "create to fail")
      .then(() => assert.fail("create resolved"), (err) => err);
    assert.ok(err instanceof EndpointAddressError);
    assert.equal(err.code, "ERR_ENDPOINT_ADDRESS");
    assert.equal(err.message, message);
    assert.equal(err.origin, "SPIFFE_ENDPOINT_SOCKET");
  });
});

Deno.test("nothing at the unix path: UNAVAILABLE in the system's words, no 'Resolution note'", async () => {
  await using temp = await tempDir();
  const path = join(temp.dir, "absent.sock");
  await using client = new WorkloadApiClient({ address: `unix://${path}`, logger: nullLogger });
  for (const call of [() => client.fetchX509Svid(), () => client.fetchJwtSvid({ audience: "a" })]) {
    const err = await call().then(() => assert.fail("resolved"), (err) => err);
    assert.ok(err instanceof WorkloadApiError);
    assert.equal(err.code, "ERR_WORKLOAD_API");
    assert.equal(err.grpcCode, 14);
    assert.equal(
      err.message,
      `UNAVAILABLE: No connection established. Last error: connect ENOENT ${path}`,
    );
  }
});

Deno.test("nothing on the TCP port: UNAVAILABLE, ECONNREFUSED, no 'Resolution note'", async () => {
  // A port that was just free: listen on an ephemeral one, then close it.
  const server = createServer();
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port))
  );
  await new Promise((resolve) => server.close(resolve));
  await using client = new WorkloadApiClient({
    address: `tcp://127.0.0.1:${port}`,
    logger: nullLogger,
  });
  await assertRejectsSpiffe(
    client.fetchX509Bundles(),
    WorkloadApiError,
    "ERR_WORKLOAD_API",
    `UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:${port}`,
  );
});
