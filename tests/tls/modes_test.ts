// The six spiffetls modes end to end: real TLS handshakes on loopback between
// listenWithMode and dialWithMode, for each way of getting the SVID and bundles (the
// Workload API at SPIFFE_ENDPOINT_SOCKET, a given X509Source, source options, raw
// SVIDs and bundles), the seed's hello exchange, and the verified peer on both sides.
import assert from "node:assert/strict";
import { connect } from "node:tls";
import { join } from "node:path";
import {
  authorizeAny,
  authorizeId,
  authorizeMemberOf,
  type ClientMode,
  dial,
  dialWithMode,
  listen,
  listenWithMode,
  mtlsClient,
  mtlsClientOptions,
  mtlsClientWithRawConfig,
  mtlsClientWithSource,
  mtlsClientWithSourceOptions,
  mtlsServer,
  mtlsServerWithRawConfig,
  mtlsServerWithSource,
  mtlsServerWithSourceOptions,
  mtlsWebClient,
  mtlsWebClientWithRawConfig,
  mtlsWebClientWithSource,
  mtlsWebClientWithSourceOptions,
  mtlsWebServer,
  mtlsWebServerWithRawConfig,
  mtlsWebServerWithSource,
  mtlsWebServerWithSourceOptions,
  peerIdFromSocket,
  type ServerMode,
  SpiffeId,
  tlsClient,
  tlsClientWithRawConfig,
  tlsClientWithSource,
  tlsClientWithSourceOptions,
  tlsServer,
  tlsServerWithRawConfig,
  tlsServerWithSource,
  tlsServerWithSourceOptions,
  X509BundleSet,
  X509Source,
  X509SvidError,
} from "../../mod.ts";
import { CertificateAuthority } from "../../src/devagent/mod.ts";
import { assertThrowsSpiffe } from "../_helpers/assert.ts";
import { agentWith, delay, FAST_BACKOFF } from "../_helpers/agent.ts";
import {
  addressOf,
  CLIENT_ID,
  closeServer,
  closeSocket,
  EXAMPLE,
  hello,
  LOOPBACK,
  makePki,
  OTHER,
  readLine,
  recordingLogger,
  serveHello,
  SERVER_ID,
  svidFrom,
} from "./_fixtures.ts";

interface Expected {
  /** What the server's hello log names the client: its ID, or `anonymous`. */
  clientSeenAs: string;
  /** The server's ID as the client sees it, or undefined for a web server. */
  serverSeenAs?: string;
}

/**
 * One hello exchange through listenWithMode/dialWithMode; checks the line each way and
 * the peer IDs on both sides. Web clients dial `localhost` (the web certificate's name).
 */
async function roundTrip(
  serverMode: ServerMode,
  clientMode: ClientMode | (() => ClientMode),
  expected: Expected,
): Promise<void> {
  const server = await listenWithMode(LOOPBACK, serverMode);
  const log = serveHello(server);
  try {
    const mode = typeof clientMode === "function" ? clientMode() : clientMode;
    const address = addressOf(server);
    const socket = await dialWithMode(
      mode.kind === "mtls-web" ? { ...address, hostname: "localhost" } : address,
      mode,
    );
    if (expected.serverSeenAs === undefined) {
      assertThrowsSpiffe(
        () => peerIdFromSocket(socket),
        X509SvidError,
        "ERR_X509_SVID",
        "x509svid: the socket's peer was not verified by spiffe-ts",
      );
    } else {
      assert.equal(peerIdFromSocket(socket).toString(), expected.serverSeenAs);
    }
    assert.equal(await hello(socket), "Hello client");
    assert.deepEqual(log.lines, ["Hello server"]);
    assert.deepEqual(log.peers, [expected.clientSeenAs]);
    assert.deepEqual(log.refusals.values, []);
  } finally {
    await closeServer(server);
  }
}

/** Runs `fn` with SPIFFE_ENDPOINT_SOCKET set to `address`, then restores it. */
async function withEndpoint<T>(address: string, fn: () => Promise<T>): Promise<T> {
  const before = Deno.env.get("SPIFFE_ENDPOINT_SOCKET");
  Deno.env.set("SPIFFE_ENDPOINT_SOCKET", address);
  try {
    return await fn();
  } finally {
    if (before === undefined) Deno.env.delete("SPIFFE_ENDPOINT_SOCKET");
    else Deno.env.set("SPIFFE_ENDPOINT_SOCKET", before);
  }
}

/** A devagent serving the server and client identities, and an X509Source for each. */
async function agentAndSources(options: { intermediate?: boolean } = {}) {
  const agent = await agentWith([SERVER_ID, CLIENT_ID], options);
  const serverSource = await X509Source.create({
    address: agent.addresses[0],
    backoff: FAST_BACKOFF,
  });
  const clientSource = await X509Source.create({
    address: agent.addresses[1],
    backoff: FAST_BACKOFF,
  });
  return {
    agent,
    serverSource,
    clientSource,
    async [Symbol.asyncDispose]() {
      await serverSource.close();
      await clientSource.close();
      await agent[Symbol.asyncDispose]();
    },
  };
}

Deno.test("tls, mtls and mtls-web modes with given X509Sources", async (t) => {
  await using world = await agentAndSources();
  const { serverSource, clientSource } = world;
  const pki = await makePki();

  await t.step("tlsClientWithSource ↔ tlsServerWithSource", () =>
    roundTrip(
      tlsServerWithSource(serverSource),
      tlsClientWithSource(authorizeId(SERVER_ID), clientSource),
      { clientSeenAs: "anonymous", serverSeenAs: SERVER_ID },
    ));

  await t.step("mtlsClientWithSource ↔ mtlsServerWithSource", () =>
    roundTrip(
      mtlsServerWithSource(authorizeId(CLIENT_ID), serverSource),
      mtlsClientWithSource(authorizeId(SERVER_ID), clientSource),
      { clientSeenAs: CLIENT_ID, serverSeenAs: SERVER_ID },
    ));

  await t.step("mtlsWebClientWithSource ↔ mtlsWebServerWithSource", () =>
    roundTrip(
      mtlsWebServerWithSource(authorizeId(CLIENT_ID), pki.webCertificate, serverSource),
      mtlsWebClientWithSource(pki.webRoots, clientSource),
      { clientSeenAs: CLIENT_ID },
    ));
});

Deno.test("tls, mtls and mtls-web modes with source options (sources made and owned by the mode)", async (t) => {
  await using agent = await agentWith([SERVER_ID, CLIENT_ID]);
  const pki = await makePki();
  const serverOptions = { address: agent.addresses[0], backoff: FAST_BACKOFF };
  const clientOptions = { address: agent.addresses[1], backoff: FAST_BACKOFF };

  await t.step("tlsClientWithSourceOptions ↔ tlsServerWithSourceOptions", () =>
    roundTrip(
      tlsServerWithSourceOptions(serverOptions),
      tlsClientWithSourceOptions(authorizeId(SERVER_ID), clientOptions),
      { clientSeenAs: "anonymous", serverSeenAs: SERVER_ID },
    ));

  await t.step("mtlsClientWithSourceOptions ↔ mtlsServerWithSourceOptions", () =>
    roundTrip(
      mtlsServerWithSourceOptions(authorizeId(CLIENT_ID), serverOptions),
      mtlsClientWithSourceOptions(authorizeId(SERVER_ID), clientOptions),
      { clientSeenAs: CLIENT_ID, serverSeenAs: SERVER_ID },
    ));

  await t.step("mtlsWebClientWithSourceOptions ↔ mtlsWebServerWithSourceOptions", () =>
    roundTrip(
      mtlsWebServerWithSourceOptions(authorizeId(CLIENT_ID), pki.webCertificate, serverOptions),
      mtlsWebClientWithSourceOptions(pki.webRoots, clientOptions),
      { clientSeenAs: CLIENT_ID },
    ));
});

Deno.test("tls, mtls and mtls-web modes from SPIFFE_ENDPOINT_SOCKET, and listen/dial", async (t) => {
  await using agent = await agentWith([SERVER_ID, CLIENT_ID]);
  const pki = await makePki();
  const [serverAddress, clientAddress] = agent.addresses;

  /** listenWithMode under the server's socket, dialWithMode under the client's. */
  async function viaEnvironment(
    serverMode: ServerMode,
    clientMode: ClientMode,
    expected: Expected,
  ) {
    const server = await withEndpoint(serverAddress, () => listenWithMode(LOOPBACK, serverMode));
    const log = serveHello(server);
    try {
      const address = clientMode.kind === "mtls-web"
        ? { hostname: "localhost", port: addressOf(server).port }
        : addressOf(server);
      const socket = await withEndpoint(clientAddress, () => dialWithMode(address, clientMode));
      if (expected.serverSeenAs !== undefined) {
        assert.equal(peerIdFromSocket(socket).toString(), expected.serverSeenAs);
      }
      assert.equal(await hello(socket), "Hello client");
      assert.deepEqual(log.lines, ["Hello server"]);
      assert.deepEqual(log.peers, [expected.clientSeenAs]);
    } finally {
      await closeServer(server);
    }
  }

  await t.step(
    "tlsClient ↔ tlsServer",
    () =>
      viaEnvironment(tlsServer(), tlsClient(authorizeId(SERVER_ID)), {
        clientSeenAs: "anonymous",
        serverSeenAs: SERVER_ID,
      }),
  );

  await t.step(
    "mtlsClient ↔ mtlsServer",
    () =>
      viaEnvironment(mtlsServer(authorizeId(CLIENT_ID)), mtlsClient(authorizeId(SERVER_ID)), {
        clientSeenAs: CLIENT_ID,
        serverSeenAs: SERVER_ID,
      }),
  );

  await t.step("mtlsWebClient ↔ mtlsWebServer", () =>
    viaEnvironment(
      mtlsWebServer(authorizeMemberOf("example.org"), pki.webCertificate),
      mtlsWebClient(pki.webRoots),
      { clientSeenAs: CLIENT_ID },
    ));

  await t.step("dial ↔ listen (mutual TLS shorthands)", async () => {
    const server = await withEndpoint(
      serverAddress,
      () => listen(LOOPBACK, authorizeId(CLIENT_ID)),
    );
    const log = serveHello(server);
    try {
      const socket = await withEndpoint(
        clientAddress,
        () => dial(addressOf(server), authorizeId(SERVER_ID)),
      );
      assert.equal(peerIdFromSocket(socket).toString(), SERVER_ID);
      assert.equal(await hello(socket), "Hello client");
      assert.deepEqual(log.peers, [CLIENT_ID]);
    } finally {
      await closeServer(server);
    }
  });
});

Deno.test("tls, mtls and mtls-web modes with raw SVIDs and bundles from the devagent's CA", async (t) => {
  const ca = await CertificateAuthority.create({ trustDomain: EXAMPLE });
  const serverSvid = await ca.issueX509Svid(SpiffeId.parse(SERVER_ID), 3600_000);
  const clientSvid = await ca.issueX509Svid(SpiffeId.parse(CLIENT_ID), 3600_000);
  const bundle = ca.x509Bundle();
  const pki = await makePki();

  await t.step(
    "tlsClientWithRawConfig ↔ tlsServerWithRawConfig",
    () =>
      roundTrip(
        tlsServerWithRawConfig(serverSvid),
        tlsClientWithRawConfig(authorizeAny(), bundle),
        {
          clientSeenAs: "anonymous",
          serverSeenAs: SERVER_ID,
        },
      ),
  );

  await t.step("mtlsClientWithRawConfig ↔ mtlsServerWithRawConfig", () =>
    roundTrip(
      mtlsServerWithRawConfig(authorizeId(CLIENT_ID), serverSvid, bundle),
      mtlsClientWithRawConfig(authorizeId(SERVER_ID), clientSvid, bundle),
      { clientSeenAs: CLIENT_ID, serverSeenAs: SERVER_ID },
    ));

  await t.step("mtlsWebClientWithRawConfig ↔ mtlsWebServerWithRawConfig", () =>
    roundTrip(
      mtlsWebServerWithRawConfig(authorizeId(CLIENT_ID), pki.webCertificate, bundle),
      mtlsWebClientWithRawConfig(pki.webRoots, clientSvid),
      { clientSeenAs: CLIENT_ID },
    ));
});

Deno.test("raw config with TestCa certificates and a bundle set of two trust domains", async () => {
  const pki = await makePki();
  const serverSvid = await svidFrom(pki.other, "spiffe://other.org/server");
  const clientSvid = await svidFrom(pki.example, CLIENT_ID);
  // Each side trusts both trust domains; each peer anchors in its own domain's bundle.
  await roundTrip(
    mtlsServerWithRawConfig(authorizeMemberOf(EXAMPLE), serverSvid, pki.both),
    mtlsClientWithRawConfig(authorizeMemberOf(OTHER), clientSvid, pki.both),
    { clientSeenAs: CLIENT_ID, serverSeenAs: "spiffe://other.org/server" },
  );
});

Deno.test("mutual TLS with SVIDs signed by an intermediate CA (the chain travels in the handshake)", async () => {
  await using world = await agentAndSources({ intermediate: true });
  assert.equal(world.serverSource.getX509Svid().certificates.length, 2);
  await roundTrip(
    mtlsServerWithSource(authorizeId(CLIENT_ID), world.serverSource),
    mtlsClientWithSource(authorizeId(SERVER_ID), world.clientSource),
    { clientSeenAs: CLIENT_ID, serverSeenAs: SERVER_ID },
  );
});

Deno.test("raw config with a TestCa intermediate on both sides", async () => {
  const pki = await makePki();
  const intermediate = await pki.example.intermediate("example.org");
  const serverSvid = await svidFrom(intermediate, SERVER_ID, {}, [intermediate.cert.pem]);
  const clientSvid = await svidFrom(intermediate, CLIENT_ID, {}, [intermediate.cert.pem]);
  const bundles = new X509BundleSet(pki.exampleBundle);
  await roundTrip(
    mtlsServerWithRawConfig(authorizeId(CLIENT_ID), serverSvid, bundles),
    mtlsClientWithRawConfig(authorizeId(SERVER_ID), clientSvid, bundles),
    { clientSeenAs: CLIENT_ID, serverSeenAs: SERVER_ID },
  );
});

Deno.test("listenWithMode serves on a unix socket path", async () => {
  await using agent = await agentWith([SERVER_ID, CLIENT_ID]);
  const server = await listenWithMode(
    { path: join(agent.dir, "hello.sock") },
    mtlsServerWithSourceOptions(authorizeId(CLIENT_ID), {
      address: agent.addresses[0],
      backoff: FAST_BACKOFF,
    }),
  );
  const log = serveHello(server);
  const clientSource = await X509Source.create({
    address: agent.addresses[1],
    backoff: FAST_BACKOFF,
  });
  try {
    const socket = connect({
      path: join(agent.dir, "hello.sock"),
      ...mtlsClientOptions(clientSource, clientSource, authorizeId(SERVER_ID)),
    });
    const answer = readLine(socket);
    socket.write("Hello server\n");
    assert.equal(await answer, "Hello client");
    assert.equal(peerIdFromSocket(socket).toString(), SERVER_ID);
    await closeSocket(socket);
    assert.deepEqual(log.peers, [CLIENT_ID]);
  } finally {
    await clientSource.close();
    await closeServer(server);
  }
});

Deno.test("a source the mode makes is closed with its socket and its server", async () => {
  await using agent = await agentWith([SERVER_ID, CLIENT_ID]);
  const owned = recordingLogger();
  const given = recordingLogger();
  // A source the test keeps open: the control that shows a live source reports retries.
  const control = await X509Source.create({
    address: agent.addresses[1],
    backoff: FAST_BACKOFF,
    logger: given,
  });
  try {
    const server = await listenWithMode(
      LOOPBACK,
      mtlsServerWithSourceOptions(authorizeId(CLIENT_ID), {
        address: agent.addresses[0],
        backoff: FAST_BACKOFF,
        logger: owned,
      }),
    );
    serveHello(server);
    const socket = await dialWithMode(
      addressOf(server),
      mtlsClientWithSourceOptions(authorizeId(SERVER_ID), {
        address: agent.addresses[1],
        backoff: FAST_BACKOFF,
        logger: owned,
      }),
    );
    assert.equal(await hello(socket), "Hello client");
    await closeServer(server);
    // The agent goes away: a live source would retry and say so; the owned ones are gone.
    await agent.close();
    // Bounded: the control must say it retries within 10 s.
    for (let waited = 0; !given.lines.some((line) => line.includes("retrying")); waited += 20) {
      assert.ok(waited < 10_000, `the control never retried: ${JSON.stringify(given.lines)}`);
      await delay(20);
    }
    await delay(100);
    assert.deepEqual(owned.lines, []);
  } finally {
    await control.close();
  }
});
