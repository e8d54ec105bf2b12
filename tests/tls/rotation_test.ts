// Rotation over live TLS: servers and clients built on X509Sources pick up rotated SVIDs
// and CA rotations without a restart, and hundreds of complete hello exchanges run with
// zero failures while the devagent rotates SVIDs every ~150 ms and its CA every ~400 ms.
import assert from "node:assert/strict";
import { createServer as createHttpsServer, request } from "node:https";
import type { Server, TLSSocket } from "node:tls";
import {
  authorizeId,
  bindSpiffeServer,
  dialWithMode,
  listenWithMode,
  mtlsClientOptions,
  mtlsClientWithRawConfig,
  mtlsClientWithSource,
  mtlsServerOptions,
  mtlsServerWithSource,
  type X509Source,
  type X509SourceSnapshot,
} from "../../mod.ts";
import { delay } from "../_helpers/agent.ts";
import {
  addressOf,
  agentAndSources,
  CLIENT_ID,
  closeServer,
  EXAMPLE,
  hello,
  LOOPBACK,
  portOf,
  Recorder,
  serveHello,
  SERVER_ID,
  within,
} from "./_fixtures.ts";

/** The serial number of a socket's peer leaf certificate. */
function peerSerial(socket: TLSSocket): string {
  return socket.getPeerCertificate().serialNumber;
}

/** Resolves with the source's next snapshot that satisfies `test`. */
function nextUpdate(
  source: X509Source,
  what: string,
  test: (snapshot: X509SourceSnapshot) => boolean,
): Promise<X509SourceSnapshot> {
  const updates = new Recorder<X509SourceSnapshot>();
  const stop = source.onUpdate(updates.push);
  return updates.waitFor(what, test).finally(stop);
}

Deno.test("listenWithMode and dialWithMode present the rotated SVIDs without a restart", async () => {
  await using w = await agentAndSources();
  const server = await listenWithMode(
    LOOPBACK,
    mtlsServerWithSource(authorizeId(CLIENT_ID), w.server),
  );
  const log = serveHello(server);
  const clientSerials: string[] = [];
  server.on("secureConnection", (socket: TLSSocket) => clientSerials.push(peerSerial(socket)));
  try {
    const exchange = async () => {
      const socket = await dialWithMode(
        addressOf(server),
        mtlsClientWithSource(authorizeId(SERVER_ID), w.client),
      );
      const serial = peerSerial(socket);
      assert.equal(await hello(socket), "Hello client");
      return serial;
    };
    const before = await exchange();
    const oldSerial = w.server.getX509Svid().certificates[0].serialNumber;
    const serverRotated = nextUpdate(
      w.server,
      "the server's new SVID",
      (snapshot) => snapshot.svid.certificates[0].serialNumber !== oldSerial,
    );
    const clientRotated = nextUpdate(w.client, "the client's new SVID", () => true);
    await w.agent.rotate();
    const [serverSnapshot, clientSnapshot] = await Promise.all([serverRotated, clientRotated]);
    const after = await exchange();
    assert.notEqual(after, before);
    assert.equal(after, serverSnapshot.svid.certificates[0].serialNumber);
    assert.equal(clientSerials.length, 2);
    assert.notEqual(clientSerials[1], clientSerials[0]);
    assert.equal(clientSerials[1], clientSnapshot.svid.certificates[0].serialNumber);
    assert.deepEqual(log.peers, [CLIENT_ID, CLIENT_ID]);
  } finally {
    await closeServer(server);
  }
});

Deno.test("a CA rotation: the new root is trusted first, and a client with an old-CA SVID still gets in", async () => {
  await using w = await agentAndSources({ authorityPropagation: 50 });
  const server = await listenWithMode(
    LOOPBACK,
    mtlsServerWithSource(authorizeId(CLIENT_ID), w.server),
  );
  const log = serveHello(server);
  try {
    // The client keeps an SVID and bundle from before the rotation (raw config).
    const oldSvid = w.client.getX509Svid();
    const oldRoot = w.agent.bundle.x509Authorities()[0];
    const rotated = nextUpdate(
      w.server,
      "the server's SVID from the new CA",
      (s) => s.svid.certificates[0].issuer !== oldRoot.subject,
    );
    await w.agent.rotateAuthority();
    const snapshot = await rotated;
    const roots = snapshot.bundles.getX509BundleForTrustDomain(EXAMPLE).x509Authorities();
    assert.equal(roots.length, 2, "the old root stays while its SVIDs live");
    // An up-to-date client.
    const fresh = await dialWithMode(
      addressOf(server),
      mtlsClientWithSource(authorizeId(SERVER_ID), w.client),
    );
    assert.equal(await hello(fresh), "Hello client");
    // A client still on the old CA's SVID, with the new bundle (it learned the root first).
    const stale = await dialWithMode(
      addressOf(server),
      mtlsClientWithRawConfig(authorizeId(SERVER_ID), oldSvid, snapshot.bundles),
    );
    assert.equal(await hello(stale), "Hello client");
    assert.deepEqual(log.peers, [CLIENT_ID, CLIENT_ID]);
    assert.deepEqual(log.refusals.values, []);
  } finally {
    await closeServer(server);
  }
});

Deno.test("https with bindSpiffeServer serves a rotated SVID without a restart", async () => {
  await using w = await agentAndSources();
  const options = mtlsServerOptions(w.server, w.server, authorizeId(CLIENT_ID));
  const server = bindSpiffeServer(
    createHttpsServer(options, (_req, res) => res.end("hi")),
    options,
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const extraCa = Deno.env.get("NODE_EXTRA_CA_CERTS"); // see options_test.ts
  Deno.env.delete("NODE_EXTRA_CA_CERTS");
  const serialOfServer = () =>
    new Promise<string>((resolve, reject) => {
      const req = request({
        host: "127.0.0.1",
        port: portOf(server),
        ...mtlsClientOptions(w.client, w.client, authorizeId(SERVER_ID)),
        agent: false,
      }, (res) => {
        const serial = peerSerial(res.socket as TLSSocket);
        res.resume();
        res.on("end", () => resolve(serial));
      });
      req.on("error", reject);
      req.end();
    });
  try {
    const before = await serialOfServer();
    const rotated = nextUpdate(w.server, "the server's new SVID", () => true);
    await w.agent.rotate();
    const snapshot = await rotated;
    const after = await serialOfServer();
    assert.notEqual(after, before);
    assert.equal(after, snapshot.svid.certificates[0].serialNumber);
  } finally {
    if (extraCa !== undefined) Deno.env.set("NODE_EXTRA_CA_CERTS", extraCa);
    await closeServer(server as unknown as Server);
  }
});

Deno.test("rotation under load: hundreds of hello exchanges, 8 in flight, zero failures", async () => {
  const EXCHANGES = 400;
  const IN_FLIGHT = 8;
  const MIN_AUTHORITY_ROTATIONS = 3;
  await using w = await agentAndSources({ svidTtl: 3000, authorityPropagation: 100 });
  const server = await listenWithMode(
    LOOPBACK,
    mtlsServerWithSource(authorizeId(CLIENT_ID), w.server),
  );
  const log = serveHello(server);
  const clientSerials = new Set<string>();
  server.on("secureConnection", (socket: TLSSocket) => clientSerials.add(peerSerial(socket)));
  const serverSerials = new Set<string>();
  let maxRoots = 0;
  const stopWatching = w.server.onUpdate((snapshot) => {
    const roots = snapshot.bundles.getX509BundleForTrustDomain(EXAMPLE).x509Authorities();
    maxRoots = Math.max(maxRoots, roots.length);
  });

  const failures: string[] = [];
  let completed = 0;
  let svidRotations = 0;
  let authorityRotations = 0;
  let loading = true;
  const deadline = Date.now() + 15_000; // a bound so that a broken build fails, not a timing

  const rotateSvids = (async () => {
    while (loading) {
      await delay(150);
      if (!loading) break;
      await w.agent.rotate().then(() => svidRotations++, (err) => failures.push(`rotate: ${err}`));
    }
  })();
  const rotateAuthority = (async () => {
    while (loading) {
      await delay(400);
      if (!loading) break;
      await w.agent.rotateAuthority().then(
        () => authorityRotations++,
        (err) => failures.push(`rotateAuthority: ${err}`),
      );
    }
  })();

  const worker = async () => {
    while (
      (completed < EXCHANGES || authorityRotations < MIN_AUTHORITY_ROTATIONS) &&
      Date.now() < deadline && failures.length === 0
    ) {
      try {
        const socket = await dialWithMode(
          addressOf(server),
          mtlsClientWithSource(authorizeId(SERVER_ID), w.client),
        );
        serverSerials.add(peerSerial(socket));
        const answer = await hello(socket);
        if (answer !== "Hello client") failures.push(`answer: ${JSON.stringify(answer)}`);
        completed++;
      } catch (err) {
        failures.push(`exchange ${completed}: ${(err as Error)?.message ?? err}`);
      }
    }
  };

  try {
    await within(
      Promise.all(Array.from({ length: IN_FLIGHT }, worker)),
      "the load to finish",
      20_000,
    );
  } finally {
    loading = false;
    await Promise.all([rotateSvids, rotateAuthority]);
    stopWatching();
    await closeServer(server);
  }

  const refusals = log.refusals.values.map((err) => `server refused: ${err.message}`);
  assert.deepEqual([...failures, ...refusals], []);
  assert.ok(completed >= EXCHANGES, `only ${completed} exchanges before the deadline`);
  assert.ok(authorityRotations >= MIN_AUTHORITY_ROTATIONS, `${authorityRotations} CA rotations`);
  assert.equal(log.peers.length, completed);
  assert.equal(log.lines.length, completed);
  // Rotation really happened under the load, on both sides.
  assert.ok(clientSerials.size >= 3, `the server saw ${clientSerials.size} client SVIDs`);
  assert.ok(serverSerials.size >= 3, `the clients saw ${serverSerials.size} server SVIDs`);
  assert.ok(maxRoots >= 2, `the bundle held at most ${maxRoots} root(s)`);
  assert.ok(svidRotations >= 1);
});
