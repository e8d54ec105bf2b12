// A spiffe-ts server under abuse: garbage bytes, a client that stalls its handshake, a
// client that hangs up mid-handshake, a burst of refused clients. Each is dropped and
// reported as a `tlsClientError`, and the server keeps serving good clients afterwards.
// Server options used without bindSpiffeServer fail closed: they accept nobody.
import assert from "node:assert/strict";
import { createServer as createHttpsServer } from "node:https";
import { connect as netConnect, type Socket } from "node:net";
import { connect, createServer, type Server } from "node:tls";
import {
  authorizeAny,
  authorizeId,
  bindSpiffeServer,
  dialWithMode,
  listenWithMode,
  mtlsClientWithRawConfig,
  mtlsServerOptions,
  mtlsServerWithRawConfig,
  mtlsServerWithSource,
  mtlsServerWithSourceOptions,
  mtlsWebServerOptions,
  tlsClientWithRawConfig,
  type X509Svid,
  X509SvidError,
} from "../../mod.ts";
import { agentWith, FAST_BACKOFF } from "../_helpers/agent.ts";
import {
  addressOf,
  CLIENT_ID,
  closed,
  closeServer,
  closeSocket,
  expiringSource,
  hello,
  type HelloLog,
  LOOPBACK,
  makePki,
  type Pki,
  portOf,
  readLine,
  Recorder,
  refusedAfterHandshake,
  serveHello,
  SERVER_ID,
  svidFrom,
  within,
} from "./_fixtures.ts";

interface World {
  pki: Pki;
  serverSvid: X509Svid;
  clientSvid: X509Svid;
}

async function world(): Promise<World> {
  const pki = await makePki();
  return {
    pki,
    serverSvid: await svidFrom(pki.example, SERVER_ID),
    clientSvid: await svidFrom(pki.example, CLIENT_ID),
  };
}

/** A mutual TLS hello server that accepts only the client ID, with a short handshake timeout. */
async function strictServer(w: World): Promise<{ server: Server; log: HelloLog }> {
  const server = await listenWithMode(
    LOOPBACK,
    mtlsServerWithRawConfig(authorizeId(CLIENT_ID), w.serverSvid, w.pki.exampleBundle),
    { handshakeTimeout: 300 },
  );
  return { server, log: serveHello(server) };
}

/** A good client's whole hello exchange against `server`. */
async function goodClient(w: World, server: Server): Promise<string> {
  const socket = await dialWithMode(
    addressOf(server),
    mtlsClientWithRawConfig(authorizeId(SERVER_ID), w.clientSvid, w.pki.exampleBundle),
  );
  return hello(socket);
}

/** A raw TCP connection to `server`; resolves once connected. */
async function rawConnect(server: Server): Promise<Socket> {
  const socket = netConnect(portOf(server), "127.0.0.1");
  socket.on("error", () => {/* a reset by the server is what these tests provoke */});
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  return socket;
}

Deno.test("garbage bytes are dropped and the server keeps serving", async () => {
  const w = await world();
  const { server, log } = await strictServer(w);
  try {
    const raw = await rawConnect(server);
    raw.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    raw.write(new Uint8Array(512).fill(0x17));
    raw.resume();
    await within(closed(raw), "the server to drop the garbage connection");
    const err = await log.refusals.waitFor("the garbage to be reported");
    assert.ok(err instanceof Error);
    assert.equal(
      (err as Error & { code?: string }).code,
      "ERR_SSL_WRONG_VERSION_NUMBER",
      `${err}`,
    );
    assert.equal(await goodClient(w, server), "Hello client");
    assert.deepEqual(log.peers, [CLIENT_ID]);
  } finally {
    await closeServer(server);
  }
});

Deno.test("a stalled handshake is reported after handshakeTimeout and the server keeps serving", async () => {
  const w = await world();
  const { server, log } = await strictServer(w);
  const stalled = await rawConnect(server); // connects, then says nothing at all
  try {
    const err = await log.refusals.waitFor("the handshake timeout");
    assert.ok(err instanceof Error);
    assert.match(err.message, /handshake timeout/i);
    // A good client is served while (and after) the stalled one is around.
    assert.equal(await goodClient(w, server), "Hello client");
    assert.deepEqual(log.peers, [CLIENT_ID]);
  } finally {
    await closeSocket(stalled);
    await closeServer(server);
  }
});

Deno.test({
  name: "a stalled handshake is dropped: the server closes the connection",
  fn: async () => {
    const w = await world();
    const { server, log } = await strictServer(w);
    const stalled = await rawConnect(server);
    try {
      await log.refusals.waitFor("the handshake timeout");
      await within(closed(stalled), "the server to close the stalled connection", 3000);
    } finally {
      await closeSocket(stalled);
      await closeServer(server);
    }
  },
});

Deno.test("a client that hangs up mid-handshake does not disturb the server", async () => {
  const w = await world();
  const { server, log } = await strictServer(w);
  try {
    // The first bytes of a TLS ClientHello record, then gone.
    const raw = await rawConnect(server);
    raw.end(new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
    await within(closed(raw), "the half hello to close");
    assert.equal(await goodClient(w, server), "Hello client");
    assert.deepEqual(log.peers, [CLIENT_ID]);
  } finally {
    await closeServer(server);
  }
});

Deno.test("a burst of refused clients, then a good one: every refusal reported, the good one served", async () => {
  const w = await world();
  const { server, log } = await strictServer(w);
  try {
    const intruders = await Promise.all(
      Array.from({ length: 12 }, (_, i) => svidFrom(w.pki.example, `spiffe://example.org/i${i}`)),
    );
    await Promise.all(intruders.map(async (svid) => {
      const socket = await dialWithMode(
        addressOf(server),
        mtlsClientWithRawConfig(authorizeAny(), svid, w.pki.exampleBundle),
      );
      await refusedAfterHandshake(socket);
    }));
    for (let i = 0; i < intruders.length; i++) {
      await log.refusals.waitFor(`refusal ${i}`, (err) => err.message.includes(`/i${i}"`));
    }
    assert.equal(log.refusals.values.length, intruders.length);
    assert.ok(log.refusals.values.every((err) => err.message.startsWith("unexpected ID")));
    assert.equal(await goodClient(w, server), "Hello client");
    assert.deepEqual(log.peers, [CLIENT_ID]);
    assert.deepEqual(log.lines, ["Hello server"]);
  } finally {
    await closeServer(server);
  }
});

Deno.test("a server with no tlsClientError listener survives refused clients", async () => {
  const w = await world();
  const server = await listenWithMode(
    LOOPBACK,
    mtlsServerWithRawConfig(authorizeId(CLIENT_ID), w.serverSvid, w.pki.exampleBundle),
  );
  const peers: string[] = [];
  server.on("secureConnection", (socket) => {
    peers.push("served");
    socket.resume();
    socket.end("Hello client\n");
  });
  try {
    const intruder = await svidFrom(w.pki.example, "spiffe://example.org/intruder");
    const socket = await dialWithMode(
      addressOf(server),
      mtlsClientWithRawConfig(authorizeAny(), intruder, w.pki.exampleBundle),
    );
    await refusedAfterHandshake(socket);
    const good = await dialWithMode(
      addressOf(server),
      mtlsClientWithRawConfig(authorizeId(SERVER_ID), w.clientSvid, w.pki.exampleBundle),
    );
    const answer = readLine(good);
    good.write("Hello server\n");
    assert.equal(await answer, "Hello client");
    await closeSocket(good);
    assert.deepEqual(peers, ["served"]);
  } finally {
    await closeServer(server);
  }
});

Deno.test({
  name: "a server whose source's SVID expired refuses connections instead of crashing",
  fn: async () => {
    await using expired = await expiringSource(SERVER_ID);
    const server = await listenWithMode(
      LOOPBACK,
      mtlsServerWithSource(authorizeAny(), expired.source),
    );
    const log = serveHello(server);
    try {
      await expired.expire();
      await assert.rejects(dialWithMode(
        addressOf(server),
        tlsClientWithRawConfig(authorizeAny(), expired.bundle),
        { timeout: 3000 },
      ));
      const err = await log.refusals.waitFor("the refusal");
      assert.ok(err instanceof X509SvidError, `${err}`);
      assert.match(
        err.message,
        /^x509source: X509-SVID "spiffe:\/\/example.org\/server" expired at /,
      );
      assert.ok(server.listening);
    } finally {
      await closeServer(server);
    }
  },
});

Deno.test("server options without bindSpiffeServer accept nobody (they fail closed)", async () => {
  const w = await world();
  const cases = [
    ["mtlsServerOptions", mtlsServerOptions(w.serverSvid, w.pki.exampleBundle, authorizeAny())],
    [
      "mtlsWebServerOptions",
      mtlsWebServerOptions(w.pki.webCertificate, w.pki.exampleBundle, authorizeAny()),
    ],
  ] as const;
  for (const [what, options] of cases) {
    for (const make of [createServer, createHttpsServer] as const) {
      const server = (make as typeof createServer)(options);
      const secured: unknown[] = [];
      const refusals = new Recorder<Error>();
      server.on("secureConnection", (socket) => {
        secured.push(socket);
        socket.destroy();
      });
      server.on("tlsClientError", (err: Error) => refusals.push(err));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        // A client that a bound server would accept: a valid SVID of the bundle's domain.
        const { certificates, privateKey } = w.clientSvid.marshal();
        const result = await new Promise<{ received: string }>((resolve) => {
          let received = "";
          const socket = connect({
            host: "127.0.0.1",
            port: portOf(server),
            cert: certificates,
            key: privateKey,
            ca: [w.pki.example.cert.pem, ...w.pki.webRoots],
            checkServerIdentity: () => undefined,
          });
          socket.on("secureConnect", () => socket.write("Hello server\n"));
          socket.on("data", (chunk) => (received += chunk));
          socket.on("error", () => {/* the refusal, seen from the client */});
          socket.on("close", () => resolve({ received }));
        });
        assert.equal(result.received, "", what);
        await refusals.waitFor(`${what}: the refusal`);
        assert.deepEqual(secured, [], `${what}: an unbound server let a client through`);
      } finally {
        await closeServer(server);
      }
    }
  }
});

Deno.test("the same options bound with bindSpiffeServer accept that client", async () => {
  const w = await world();
  const options = mtlsServerOptions(w.serverSvid, w.pki.exampleBundle, authorizeId(CLIENT_ID));
  const server = bindSpiffeServer(createServer(options), options);
  const log = serveHello(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    assert.equal(await goodClient(w, server), "Hello client");
    assert.deepEqual(log.peers, [CLIENT_ID]);
  } finally {
    await closeServer(server);
  }
});

Deno.test("aborting the listen signal closes the server and the source it made", async () => {
  await using agent = await agentWith([SERVER_ID]);
  const controller = new AbortController();
  const server = await listenWithMode(
    LOOPBACK,
    mtlsServerWithSourceOptions(authorizeAny(), {
      address: agent.addresses[0],
      backoff: FAST_BACKOFF,
    }),
    { signal: controller.signal },
  );
  assert.ok(server.listening);
  const closedEvent = new Promise<void>((resolve) => server.once("close", () => resolve()));
  controller.abort();
  await within(closedEvent, "the server to close");
  assert.equal(server.listening, false);
  // An aborted signal refuses to start at all.
  await assert.rejects(
    listenWithMode(
      LOOPBACK,
      mtlsServerWithSourceOptions(authorizeAny(), { address: agent.addresses[0] }),
      { signal: controller.signal },
    ),
    (err: unknown) => (err as Error).name === "AbortError",
  );
});
