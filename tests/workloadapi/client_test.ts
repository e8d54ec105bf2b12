// Every RPC of the Workload API through WorkloadApiClient, against the devagent over real
// gRPC: the answers, the address rules, and the errors the agent and the client report.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import {
  EndpointAddressError,
  JwtSvid,
  SourceClosedError,
  SpiffeId,
  TrustDomain,
  verifyX509Svid,
  WorkloadApiClient,
  WorkloadApiError,
} from "../../mod.ts";
import { startDevAgent } from "../../src/devagent/mod.ts";
import { CertificateAuthority } from "../../src/devagent/mod.ts";
import { assertRejectsSpiffe, assertThrowsSpiffe } from "../_helpers/assert.ts";
import {
  agentWith,
  CLIENT_ID,
  delay,
  SERVER_ID,
  silentEndpoint,
  tempDir,
  within,
} from "../_helpers/agent.ts";

const TD = TrustDomain.parse("example.org");
const OTHER_TD = TrustDomain.parse("other.org");
const AUDIENCE = "spiffe://example.org/db";
const ENV = "SPIFFE_ENDPOINT_SOCKET";

/** Runs `fn` with SPIFFE_ENDPOINT_SOCKET set to `value` (or unset), then restores it. */
async function withEndpointEnv(value: string | undefined, fn: () => Promise<void>): Promise<void> {
  const saved = Deno.env.get(ENV);
  if (value === undefined) Deno.env.delete(ENV);
  else Deno.env.set(ENV, value);
  try {
    await fn();
  } finally {
    if (saved === undefined) Deno.env.delete(ENV);
    else Deno.env.set(ENV, saved);
  }
}

Deno.test("fetchX509Context returns the SVID, its key and the bundles", async () => {
  await using agent = await agentWith([SERVER_ID], { federatesWith: ["other.org"] });
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    const context = await client.fetchX509Context();
    assert.equal(context.svids.length, 1);
    const [svid] = context.svids;
    assert.equal(svid.id.toString(), SERVER_ID);
    assert.equal(svid.hint, "");
    assert.equal(svid.privateKey.type, "private");
    assert.ok(svid.expiresAt.getTime() > Date.now());
    assert.deepEqual(context.crl, []);
    assert.equal(context.bundles.size, 2);
    assert.ok(context.bundles.getX509BundleForTrustDomain(TD).equals(agent.bundle));
    assert.ok(
      context.bundles.getX509BundleForTrustDomain(OTHER_TD).equals(
        agent.authority("other.org").x509Bundle(),
      ),
    );
    const chain = svid.certificates.map((cert) => cert.raw);
    const verified = await verifyX509Svid(chain, context.bundles);
    assert.equal(verified.id.toString(), SERVER_ID);
  } finally {
    await client.close();
  }
});

Deno.test("fetchX509Svid and fetchX509Svids return the default SVID and all SVIDs", async () => {
  await using agent = await agentWith([CLIENT_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    const svid = await client.fetchX509Svid();
    assert.equal(svid.id.toString(), CLIENT_ID);
    const svids = await client.fetchX509Svids();
    assert.equal(svids.length, 1);
    assert.equal(svids[0].id.toString(), CLIENT_ID);
  } finally {
    await client.close();
  }
});

Deno.test("fetchX509Bundles returns the own and the federated X.509 bundles", async () => {
  await using agent = await agentWith([SERVER_ID], { federatesWith: ["other.org"] });
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    const bundles = await client.fetchX509Bundles();
    assert.equal(bundles.size, 2);
    assert.ok(bundles.getX509BundleForTrustDomain(TD).equals(agent.bundle));
    assert.ok(
      bundles.getX509BundleForTrustDomain(OTHER_TD).equals(
        agent.authority(OTHER_TD).x509Bundle(),
      ),
    );
  } finally {
    await client.close();
  }
});

Deno.test("fetchJwtBundles returns JWT bundles that validate the agent's tokens", async () => {
  await using agent = await agentWith([SERVER_ID], { federatesWith: ["other.org"] });
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    const bundles = await client.fetchJwtBundles();
    assert.equal(bundles.size, 2);
    assert.ok(bundles.getJwtBundleForTrustDomain(TD).equals(agent.jwtBundle));
    assert.ok(
      bundles.getJwtBundleForTrustDomain(OTHER_TD).equals(agent.authority(OTHER_TD).jwtBundle()),
    );
    const token = await client.fetchJwtSvid({ audience: AUDIENCE });
    const validated = JwtSvid.parseAndValidate(token.marshal(), bundles, AUDIENCE);
    assert.equal(validated.id.toString(), SERVER_ID);
  } finally {
    await client.close();
  }
});

Deno.test("fetchJwtSvid sends the audience, the extra audiences and the subject", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    const one = await client.fetchJwtSvid({ audience: AUDIENCE });
    assert.equal(one.id.toString(), SERVER_ID);
    assert.deepEqual(one.audience, [AUDIENCE]);
    assert.ok(one.expiresAt.getTime() > Date.now());

    const many = await client.fetchJwtSvid({
      audience: AUDIENCE,
      extraAudiences: ["spiffe://example.org/cache", "spiffe://example.org/queue"],
    });
    assert.deepEqual(many.audience, [
      AUDIENCE,
      "spiffe://example.org/cache",
      "spiffe://example.org/queue",
    ]);

    const subject = SpiffeId.parse(SERVER_ID);
    const forSubject = await client.fetchJwtSvids({ audience: AUDIENCE, subject });
    assert.equal(forSubject.length, 1);
    assert.ok(forSubject[0].id.equals(subject));

    await assertRejectsSpiffe(
      client.fetchJwtSvid({ audience: AUDIENCE, subject: SpiffeId.parse(CLIENT_ID) }),
      WorkloadApiError,
      "ERR_WORKLOAD_API",
      "PERMISSION_DENIED: no identity issued",
    );
  } finally {
    await client.close();
  }
});

Deno.test("fetchJwtSvid without an audience is a TypeError, before any call", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    await assert.rejects(client.fetchJwtSvid({ audience: "" }), {
      name: "TypeError",
      message: "audience is required",
    });
  } finally {
    await client.close();
  }
});

Deno.test("validateJwtSvid accepts a token of the agent for its audience", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    const token = await client.fetchJwtSvid({
      audience: AUDIENCE,
      extraAudiences: ["spiffe://example.org/cache"],
    });
    const validated = await client.validateJwtSvid(token.marshal(), AUDIENCE);
    assert.equal(validated.id.toString(), SERVER_ID);
    assert.equal(validated.claims.sub, SERVER_ID);
    assert.deepEqual(validated.audience, [AUDIENCE, "spiffe://example.org/cache"]);
    assert.equal(validated.marshal(), token.marshal());
  } finally {
    await client.close();
  }
});

Deno.test("validateJwtSvid: a wrong audience is InvalidArgument", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    const token = await client.fetchJwtSvid({ audience: AUDIENCE });
    await assertRejectsSpiffe(
      client.validateJwtSvid(token.marshal(), "spiffe://example.org/other"),
      WorkloadApiError,
      "ERR_WORKLOAD_API",
      `INVALID_ARGUMENT: jwtsvid: expected audience in ["spiffe://example.org/other"] (audience=["${AUDIENCE}"])`,
    );
    const err = await client.validateJwtSvid(token.marshal(), "spiffe://example.org/other")
      .catch((err) => err);
    assert.equal(err.grpcCode, 3);
    assert.equal(err.grpcStatus, "INVALID_ARGUMENT");
  } finally {
    await client.close();
  }
});

Deno.test("validateJwtSvid: a token signed by an unknown key is InvalidArgument", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const stranger = await CertificateAuthority.create({ trustDomain: TD });
  const forged = stranger.signJwtSvid(SpiffeId.parse(SERVER_ID), [AUDIENCE], 60_000);
  const kid = JSON.parse(Buffer.from(forged.split(".")[0], "base64url").toString()).kid;
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    await assertRejectsSpiffe(
      client.validateJwtSvid(forged, AUDIENCE),
      WorkloadApiError,
      "ERR_WORKLOAD_API",
      `INVALID_ARGUMENT: jwtsvid: no JWT authority "${kid}" found for trust domain "example.org"`,
    );
    await assertRejectsSpiffe(
      client.validateJwtSvid("not-a-token", AUDIENCE),
      WorkloadApiError,
      "ERR_WORKLOAD_API",
      /^INVALID_ARGUMENT: jwtsvid: unable to parse JWT token: /,
    );
    await assert.rejects(client.validateJwtSvid(forged, ""), {
      name: "TypeError",
      message: "audience is required",
    });
  } finally {
    await client.close();
  }
});

Deno.test("the address comes from SPIFFE_ENDPOINT_SOCKET when no option is given", async () => {
  await using agent = await agentWith([SERVER_ID]);
  await withEndpointEnv(agent.addresses[0], async () => {
    const client = new WorkloadApiClient();
    try {
      assert.equal((await client.fetchX509Svid()).id.toString(), SERVER_ID);
    } finally {
      await client.close();
    }
  });
});

Deno.test("the address option wins over SPIFFE_ENDPOINT_SOCKET", async () => {
  await using agent = await agentWith([SERVER_ID, CLIENT_ID]);
  await withEndpointEnv(agent.addresses[0], async () => {
    const client = new WorkloadApiClient({ address: agent.addresses[1] });
    try {
      assert.equal((await client.fetchX509Svid()).id.toString(), CLIENT_ID);
    } finally {
      await client.close();
    }
  });
});

Deno.test("no address and no SPIFFE_ENDPOINT_SOCKET is an EndpointAddressError", async () => {
  await withEndpointEnv(undefined, () => {
    assertThrowsSpiffe(
      () => new WorkloadApiClient(),
      EndpointAddressError,
      "ERR_ENDPOINT_ADDRESS",
      "workload endpoint socket address is not configured: set SPIFFE_ENDPOINT_SOCKET or pass " +
        "the address option, e.g. unix:///run/spire/sockets/agent.sock",
    );
    return Promise.resolve();
  });
});

Deno.test("an invalid address is an EndpointAddressError at construction, naming its origin", async () => {
  const err = assertThrowsSpiffe(
    () => new WorkloadApiClient({ address: "tcp://localhost:8081" }),
    EndpointAddressError,
    "ERR_ENDPOINT_ADDRESS",
    "workload endpoint tcp socket URI host component must be an IP:port: the address option is " +
      '"tcp://localhost:8081"; use tcp://IP:port, e.g. tcp://127.0.0.1:8081 (an IP, not a name)',
  );
  assert.equal(err.address, "tcp://localhost:8081");
  assert.equal(err.origin, "address option");
  await withEndpointEnv("unix:agent.sock", () => {
    const err = assertThrowsSpiffe(
      () => new WorkloadApiClient(),
      EndpointAddressError,
      "ERR_ENDPOINT_ADDRESS",
      "workload endpoint unix socket URI must have an absolute path: SPIFFE_ENDPOINT_SOCKET is " +
        '"unix:agent.sock"; use unix:///absolute/path',
    );
    assert.equal(err.address, "unix:agent.sock");
    assert.equal(err.origin, "SPIFFE_ENDPOINT_SOCKET");
    return Promise.resolve();
  });
});

Deno.test("a loopback TCP endpoint serves every RPC", async () => {
  await using agent = await startDevAgent({ sockets: [{ tcpPort: 0, spiffeId: SERVER_ID }] });
  const [address] = agent.addresses;
  assert.match(address, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  const client = new WorkloadApiClient({ address });
  try {
    assert.equal((await client.fetchX509Svid()).id.toString(), SERVER_ID);
    assert.ok((await client.fetchX509Bundles()).has(TD));
    assert.ok((await client.fetchJwtBundles()).has(TD));
    const token = await client.fetchJwtSvid({ audience: AUDIENCE });
    assert.equal(
      (await client.validateJwtSvid(token.marshal(), AUDIENCE)).id.toString(),
      SERVER_ID,
    );
  } finally {
    await client.close();
  }
});

Deno.test("a socket without identity answers PermissionDenied to every fetch", async () => {
  await using agent = await agentWith([null]);
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    const calls: [string, () => Promise<unknown>][] = [
      ["fetchX509Context", () => client.fetchX509Context()],
      ["fetchX509Svid", () => client.fetchX509Svid()],
      ["fetchX509Bundles", () => client.fetchX509Bundles()],
      ["fetchJwtBundles", () => client.fetchJwtBundles()],
      ["fetchJwtSvid", () => client.fetchJwtSvid({ audience: AUDIENCE })],
    ];
    for (const [name, call] of calls) {
      const err = await call().then(() => assert.fail(`${name} resolved`), (err) => err);
      assert.ok(err instanceof WorkloadApiError, `${name}: ${err}`);
      assert.equal(err.code, "ERR_WORKLOAD_API");
      assert.equal(err.message, "PERMISSION_DENIED: no identity issued", name);
      assert.equal(err.grpcCode, 7, name);
      assert.equal(err.grpcStatus, "PERMISSION_DENIED", name);
    }
  } finally {
    await client.close();
  }
});

Deno.test("an endpoint nobody listens on is Unavailable", async () => {
  await using temp = await tempDir();
  const client = new WorkloadApiClient({ address: `unix://${join(temp.dir, "absent.sock")}` });
  try {
    const err = await client.fetchX509Context().then(() => assert.fail("resolved"), (err) => err);
    assert.ok(err instanceof WorkloadApiError);
    assert.equal(err.code, "ERR_WORKLOAD_API");
    assert.equal(err.grpcCode, 14);
    assert.match(err.message, /^UNAVAILABLE: /);
    await assertRejectsSpiffe(
      client.fetchJwtSvid({ audience: AUDIENCE }),
      WorkloadApiError,
      "ERR_WORKLOAD_API",
      /^UNAVAILABLE: /,
    );
  } finally {
    await client.close();
  }
});

Deno.test("an aborted signal cancels fetches with CANCELLED", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  try {
    const aborted = AbortSignal.abort();
    const calls: [string, () => Promise<unknown>][] = [
      ["fetchX509Context", () => client.fetchX509Context({ signal: aborted })],
      ["fetchX509Bundles", () => client.fetchX509Bundles({ signal: aborted })],
      ["fetchJwtBundles", () => client.fetchJwtBundles({ signal: aborted })],
      ["fetchJwtSvid", () => client.fetchJwtSvid({ audience: AUDIENCE }, { signal: aborted })],
      ["validateJwtSvid", () => client.validateJwtSvid("x.y.z", AUDIENCE, { signal: aborted })],
    ];
    for (const [name, call] of calls) {
      const err = await call().then(() => assert.fail(`${name} resolved`), (err) => err);
      assert.ok(err instanceof WorkloadApiError, `${name}: ${err}`);
      assert.equal(err.code, "ERR_WORKLOAD_API");
      assert.equal(err.grpcCode, 1, `${name}: ${err.message}`);
      assert.match(err.message, /^CANCELLED: /, name);
    }
    // The client still works after aborted calls.
    assert.equal((await client.fetchX509Svid()).id.toString(), SERVER_ID);
  } finally {
    await client.close();
  }
});

Deno.test("aborting a pending call cancels it with CANCELLED", async () => {
  await using temp = await tempDir();
  const silent = await silentEndpoint(temp.dir);
  const client = new WorkloadApiClient({ address: silent.address });
  try {
    const calls: [string, (signal: AbortSignal) => Promise<unknown>][] = [
      ["fetchX509Context", (signal) => client.fetchX509Context({ signal })],
      ["fetchX509Bundles", (signal) => client.fetchX509Bundles({ signal })],
      ["fetchJwtBundles", (signal) => client.fetchJwtBundles({ signal })],
      ["fetchJwtSvid", (signal) => client.fetchJwtSvid({ audience: AUDIENCE }, { signal })],
      ["validateJwtSvid", (signal) => client.validateJwtSvid("x.y.z", AUDIENCE, { signal })],
    ];
    for (const [name, call] of calls) {
      const stop = new AbortController();
      const pending = call(stop.signal).then(() => assert.fail(`${name} resolved`), (err) => err);
      await delay(20);
      stop.abort();
      const err = await within(pending, `${name} to be cancelled`);
      assert.ok(err instanceof WorkloadApiError, `${name}: ${err}`);
      assert.equal(err.code, "ERR_WORKLOAD_API");
      assert.equal(err.message, "CANCELLED: Cancelled on client", name);
      assert.equal(err.grpcCode, 1, name);
    }
    // Closing the client cancels what is still pending.
    const pending = client.fetchX509Context().then(() => assert.fail("resolved"), (err) => err);
    await delay(20);
    await client.close();
    const err = await within(pending, "the pending fetch to end");
    assert.ok(err instanceof WorkloadApiError);
    assert.equal(err.grpcCode, 1);
  } finally {
    await client.close();
    await silent.close();
  }
});

Deno.test("close() is idempotent, and calls after it fail with SourceClosedError", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const client = new WorkloadApiClient({ address: agent.addresses[0] });
  await client.fetchX509Svid();
  await client.close();
  await client.close();
  await assertRejectsSpiffe(
    client.fetchX509Context(),
    SourceClosedError,
    "ERR_SOURCE_CLOSED",
    "workloadapi: client is closed",
  );
  await assertRejectsSpiffe(
    client.fetchJwtSvid({ audience: AUDIENCE }),
    SourceClosedError,
    "ERR_SOURCE_CLOSED",
    "workloadapi: client is closed",
  );
});

Deno.test("close() before any call releases nothing and succeeds", async () => {
  const client = new WorkloadApiClient({ address: "unix:///nonexistent/agent.sock" });
  await client.close();
  await client.close();
});
