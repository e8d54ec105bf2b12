// The TLS building blocks (issue #10 §1), written once and run twice: by Deno against the
// sources (tests/tls/building_blocks_test.ts) and by Node 20 against the npm build
// (tests/node/building_blocks.test.mjs), so that both runtimes decide alike. Real
// handshakes on loopback with certificates from the devagent's CA; every wait is bounded.
// Plain JavaScript on purpose: Node runs it as it is.
import assert from "node:assert/strict";
import { connect as http2Connect, createSecureServer } from "node:http2";
import { createServer as createHttpsServer, request as httpsRequest } from "node:https";
import { createServer as createNetServer } from "node:net";
import { connect, createServer } from "node:tls";
import { delay, within } from "./_scenario_wait.mjs";

const SERVER_ID = "spiffe://example.org/server";
const CLIENT_ID = "spiffe://example.org/client";
const OTHER_CLIENT_ID = "spiffe://other.org/client";
const HOUR = 3600_000;

/** Waits until `check()` is true (bounded). */
async function until(check, what) {
  await within(
    (async () => {
      while (!check()) await delay(5);
    })(),
    what,
  );
}

/**
 * Two trust domains: example.org (SVIDs under an intermediate) and other.org; SVIDs for the
 * server, the client, and a client of other.org; bundle sources of every kind.
 */
async function world(lib, devagent) {
  const example = await devagent.CertificateAuthority.create({
    trustDomain: lib.TrustDomain.parse("example.org"),
    intermediate: true,
  });
  const other = await devagent.CertificateAuthority.create({
    trustDomain: lib.TrustDomain.parse("other.org"),
  });
  const issue = (ca, id) => ca.issueX509Svid(lib.SpiffeId.parse(id), HOUR);
  const both = new lib.X509BundleSet(example.x509Bundle(), other.x509Bundle());
  return {
    serverSvid: await issue(example, SERVER_ID),
    clientSvid: await issue(example, CLIENT_ID),
    otherClientSvid: await issue(other, OTHER_CLIENT_ID),
    exampleBundle: example.x509Bundle(),
    otherBundle: other.x509Bundle(),
    both,
    /** A third-party source: nothing but getX509BundleForTrustDomain. */
    minimal: { getX509BundleForTrustDomain: (td) => both.getX509BundleForTrustDomain(td) },
    /** A third-party source of example.org's bundle only. */
    minimalExample: {
      getX509BundleForTrustDomain: (td) => example.x509Bundle().getX509BundleForTrustDomain(td),
    },
  };
}

/** Listens on loopback; resolves to the port. */
function listening(server) {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(server.address().port))
  );
}

function closeServer(server) {
  const closed = new Promise((resolve) => server.close(() => resolve()));
  server.closeAllConnections?.();
  return within(closed, "the server to close");
}

/**
 * A tls server bound with spiffeServer that answers "Hello <peer>" to each client; records
 * what reached `secureConnection` (a listener added after binding) and each refusal.
 */
async function helloServer(lib, config, options) {
  const server = lib.spiffeServer(createServer(), config, options);
  const seen = [];
  const refusals = [];
  server.on("tlsClientError", (err) => refusals.push(err));
  server.on("secureConnection", (socket) => {
    const peer = config.kind === "tls" ? "anonymous" : lib.peerIdFromSocket(socket).toString();
    seen.push(peer);
    socket.on("error", () => socket.destroy());
    socket.once("data", () => socket.end(`Hello ${peer}\n`));
  });
  const port = await listening(server);
  return { server, port, seen, refusals };
}

/** One line each way; resolves with what the server said before closing. */
function exchange(socket) {
  return within(
    new Promise((resolve) => {
      let data = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk) => (data += chunk));
      socket.on("error", () => {});
      socket.on("close", () => resolve(data.trim()));
      socket.write("Hello server\n");
    }),
    "the exchange",
  );
}

/** A plain tls.connect with `options`: resolves to "secure" and what came back, or the error. */
function plainClient(options) {
  return within(
    new Promise((resolve) => {
      let data = "";
      let secure = false;
      let error;
      const socket = connect({
        host: "127.0.0.1",
        checkServerIdentity: () => undefined,
        ...options,
      });
      socket.setEncoding("utf8");
      socket.on("secureConnect", () => {
        secure = true;
        socket.write("Hello server\n");
      });
      socket.on("data", (chunk) => (data += chunk));
      socket.on("error", (err) => (error ??= err));
      socket.on("close", () => resolve({ secure, data, error }));
    }),
    "a plain client",
  );
}

const pem = (svid) => {
  const { certificates, privateKey } = svid.marshal();
  return { cert: certificates, key: privateKey };
};

/**
 * The scenarios, as `{ name, fn }`, for `lib` (the library's main entry), `devagent` (its
 * devagent entry) and `runtime` ("deno" or "node").
 */
export function buildingBlockScenarios(lib, devagent, runtime) {
  const scenario = (name, fn) => ({ name, fn });
  return [
    scenario(
      "verifyPeer on DER chains: the ID, a wrong ID, another trust domain, no chain",
      async () => {
        const w = await world(lib, devagent);
        const chain = w.clientSvid.certificates.map((cert) => new Uint8Array(cert.raw));
        assert.equal(
          lib.verifyPeer(chain, w.both, lib.authorizeId(CLIENT_ID)).toString(),
          CLIENT_ID,
        );
        assert.equal(lib.verifyPeer(chain, w.minimal, lib.authorizeAny()).toString(), CLIENT_ID);
        assert.throws(() => lib.verifyPeer(chain, w.both, lib.authorizeId(SERVER_ID)), (err) => {
          assert.ok(err instanceof lib.AuthorizationError, String(err));
          assert.equal(err.message, `unexpected ID "${CLIENT_ID}"`);
          return true;
        });
        const other = w.otherClientSvid.certificates.map((cert) => new Uint8Array(cert.raw));
        // Its own domain's bundle is missing: no bundle of example.org vouches for it.
        assert.throws(
          () => lib.verifyPeer(other, w.minimalExample, lib.authorizeAny()),
          (err) => err instanceof lib.X509SvidError && err.code === "ERR_X509_SVID",
        );
        assert.throws(
          () => lib.verifyPeer(other, w.both, lib.authorizeMemberOf("example.org")),
          { message: 'unexpected trust domain "other.org"' },
        );
        assert.throws(() => lib.verifyPeer([], w.both, lib.authorizeAny()), {
          name: "X509SvidError",
          message: "x509svid: peer presented no certificate",
        });
        assert.throws(() => lib.verifyPeer(chain, w.both, undefined), TypeError);
      },
    ),

    scenario(
      "spiffeServer + spiffeConnect: mutual TLS with listed and third-party bundle sources",
      async () => {
        const w = await world(lib, devagent);
        for (const bundles of [w.both, w.minimal]) {
          const s = await helloServer(
            lib,
            lib.mtlsServerConfig(w.serverSvid, bundles, lib.authorizeId(CLIENT_ID)),
          );
          try {
            const config = lib.mtlsClientConfig(w.clientSvid, bundles, lib.authorizeId(SERVER_ID));
            for (const maxVersion of ["TLSv1.3", "TLSv1.2"]) {
              const socket = await lib.spiffeConnect(config, {
                host: "127.0.0.1",
                port: s.port,
                maxVersion,
              });
              assert.equal(socket.getProtocol(), maxVersion);
              assert.equal(lib.peerIdFromSocket(socket).toString(), SERVER_ID);
              assert.equal(await exchange(socket), `Hello ${CLIENT_ID}`);
            }
            assert.deepEqual(s.seen, [CLIENT_ID, CLIENT_ID]);
            assert.deepEqual(s.refusals.map(String), []);
          } finally {
            await closeServer(s.server);
          }
        }
      },
    ),

    scenario(
      "spiffeServer refuses a wrong ID, another trust domain and a missing certificate before any listener",
      async () => {
        const w = await world(lib, devagent);
        for (const bundles of [w.both, w.minimal]) {
          const s = await helloServer(
            lib,
            lib.mtlsServerConfig(w.serverSvid, bundles, lib.authorizeMemberOf("example.org")),
          );
          const address = { host: "127.0.0.1", port: s.port };
          try {
            // A client of other.org: its chain is valid for its own domain, the authorizer refuses it.
            const other = await lib.spiffeConnect(
              lib.mtlsClientConfig(w.otherClientSvid, bundles, lib.authorizeId(SERVER_ID)),
              address,
            ).catch((err) => err);
            if (!(other instanceof Error)) assert.equal(await exchange(other), "");
            await until(() => s.refusals.length === 1, "the refusal of the other domain");
            assert.ok(s.refusals[0] instanceof lib.AuthorizationError, String(s.refusals[0]));
            assert.equal(s.refusals[0].message, 'unexpected trust domain "other.org"');

            // No client certificate at all.
            const anonymous = await plainClient({ ...address, ca: w.exampleBundle.marshal() });
            assert.equal(anonymous.data, "");
            await until(
              () => s.refusals.length === 2,
              "the refusal of a client without certificate",
            );
            const refusal = s.refusals[1];
            if (bundles === w.both) {
              // The TLS stack holds the bundles and asks for the certificate in the handshake.
              assert.equal(
                refusal.code,
                "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE",
                String(refusal),
              );
            } else {
              assert.ok(refusal instanceof lib.X509SvidError, String(refusal));
              assert.equal(refusal.message, "x509svid: peer presented no certificate");
            }
            assert.deepEqual(s.seen, []);
          } finally {
            await closeServer(s.server);
          }
          const strict = await helloServer(
            lib,
            lib.mtlsServerConfig(
              w.serverSvid,
              bundles,
              lib.authorizeId("spiffe://example.org/other"),
            ),
          );
          try {
            const socket = await lib.spiffeConnect(
              lib.mtlsClientConfig(w.clientSvid, bundles, lib.authorizeId(SERVER_ID)),
              { host: "127.0.0.1", port: strict.port },
            ).catch((err) => err);
            if (!(socket instanceof Error)) assert.equal(await exchange(socket), "");
            await until(() => strict.refusals.length === 1, "the refusal of a wrong ID");
            assert.equal(strict.refusals[0].message, `unexpected ID "${CLIENT_ID}"`);
            assert.deepEqual(strict.seen, []);
          } finally {
            await closeServer(strict.server);
          }
        }
      },
    ),

    scenario("spiffeServer names a client chain of a domain it holds no bundle for", async () => {
      const w = await world(lib, devagent);
      for (const bundles of [w.exampleBundle, w.minimalExample]) {
        const s = await helloServer(
          lib,
          lib.mtlsServerConfig(w.serverSvid, bundles, lib.authorizeAny()),
        );
        try {
          const result = await plainClient({
            port: s.port,
            ...pem(w.otherClientSvid),
            ca: w.exampleBundle.marshal(),
          });
          assert.equal(result.data, "");
          await until(() => s.refusals.length === 1, "the refusal");
          const [refusal] = s.refusals;
          assert.ok(refusal instanceof lib.X509SvidError, String(refusal));
          if (bundles === w.exampleBundle) {
            // Refused by the TLS stack, which holds the bundle; the reason is kept.
            assert.equal(
              refusal.message,
              "x509svid: the client's certificate chain does not verify against the bundles: UNABLE_TO_VERIFY_LEAF_SIGNATURE",
            );
          }
          assert.deepEqual(s.seen, []);
        } finally {
          await closeServer(s.server);
        }
      }
    }),

    scenario(
      "spiffeConnect refuses a wrong server ID and a server of no trusted domain, typed",
      async () => {
        const w = await world(lib, devagent);
        const s = await helloServer(lib, lib.tlsServerConfig(w.serverSvid));
        const address = { host: "127.0.0.1", port: s.port };
        try {
          for (const bundles of [w.both, w.minimal]) {
            await assert.rejects(
              lib.spiffeConnect(
                lib.tlsClientConfig(bundles, lib.authorizeId("spiffe://example.org/bank")),
                address,
              ),
              (err) =>
                err instanceof lib.AuthorizationError &&
                err.message === `unexpected ID "${SERVER_ID}"`,
            );
            const socket = await lib.spiffeConnect(
              lib.tlsClientConfig(bundles, lib.authorizeId(SERVER_ID)),
              address,
            );
            assert.equal(await exchange(socket), "Hello anonymous");
          }
          // Trusting only other.org: the server's example.org chain anchors nowhere.
          const otherOnly = {
            getX509BundleForTrustDomain: (td) => w.otherBundle.getX509BundleForTrustDomain(td),
          };
          await assert.rejects(
            lib.spiffeConnect(lib.tlsClientConfig(otherOnly, lib.authorizeAny()), address),
            (err) => err instanceof lib.X509SvidError,
          );
          await assert.rejects(
            lib.spiffeConnect(lib.tlsClientConfig(w.both, lib.authorizeAny()), {
              ...address,
              checkServerIdentity: () => undefined,
            }),
            (err) =>
              err instanceof TypeError && err.message.includes("tlsOptions.checkServerIdentity"),
          );
        } finally {
          await closeServer(s.server);
        }
      },
    ),

    scenario(
      "spiffeConnect with a third-party source verifies a resumed session again",
      async () => {
        const w = await world(lib, devagent);
        const server = createServer({ ...pem(w.serverSvid) }, (socket) => {
          socket.on("error", () => {});
          socket.once("data", () => socket.end("Hello client\n"));
        });
        const port = await listening(server);
        const state = { allowed: true };
        const authorizer = (id, chains) =>
          lib.authorizeId(state.allowed ? SERVER_ID : CLIENT_ID)(id, chains);
        const config = lib.tlsClientConfig(w.minimal, authorizer);
        const address = { host: "127.0.0.1", port };
        try {
          const first = await lib.spiffeConnect(config, address);
          const ticket = within(
            new Promise((resolve) => {
              first.once("session", resolve);
              first.once("close", () => resolve(undefined));
            }),
            "a session ticket",
          );
          assert.equal(await exchange(first), "Hello client");
          const session = await ticket;
          state.allowed = false;
          await assert.rejects(
            lib.spiffeConnect(config, { ...address, session }),
            (err) => err instanceof lib.AuthorizationError,
          );
          state.allowed = true;
          const again = await lib.spiffeConnect(config, { ...address, session });
          // Node resumes (and checked the session's chain again); Deno never resumes.
          if (runtime === "node" && session !== undefined) assert.ok(again.isSessionReused());
          assert.equal(lib.peerIdFromSocket(again).toString(), SERVER_ID);
          assert.equal(await exchange(again), "Hello client");
        } finally {
          await closeServer(server);
        }
      },
    ),

    scenario(
      "clientConnectionOptions with a plain tls.connect; a third-party source is refused by name",
      async () => {
        const w = await world(lib, devagent);
        const s = await helloServer(
          lib,
          lib.mtlsServerConfig(w.serverSvid, w.both, lib.authorizeId(CLIENT_ID)),
        );
        try {
          const options = lib.clientConnectionOptions(
            lib.mtlsClientConfig(w.clientSvid, w.both, lib.authorizeId(SERVER_ID)),
          );
          assert.equal(options.rejectUnauthorized, true);
          assert.equal(options.ca.length, 2, "the bundles, also as a plain `ca`");
          for (const field of ["sessionIdContext", "maxCachedSessions", "session"]) {
            assert.ok(!(field in options), `no https-agent field ${field}`);
          }
          const socket = connect({ host: "127.0.0.1", port: s.port, ...options });
          await within(
            new Promise((resolve, reject) =>
              socket.once("secureConnect", resolve).once("error", reject)
            ),
            "the handshake",
          );
          assert.equal(lib.peerIdFromSocket(socket).toString(), SERVER_ID);
          assert.equal(await exchange(socket), `Hello ${CLIENT_ID}`);
          const wrong = lib.clientConnectionOptions(
            lib.mtlsClientConfig(
              w.clientSvid,
              w.both,
              lib.authorizeId("spiffe://example.org/bank"),
            ),
          );
          const refused = await plainClient({ port: s.port, ...wrong });
          assert.equal(refused.secure, false);
          assert.ok(refused.error instanceof lib.AuthorizationError, String(refused.error));
          assert.throws(
            () => lib.clientConnectionOptions(lib.tlsClientConfig(w.minimal, lib.authorizeAny())),
            (err) =>
              err instanceof TypeError && err.message.includes("getX509Bundles") &&
              err.message.includes("spiffeConnect"),
          );
          assert.throws(
            () => lib.clientConnectionOptions(lib.tlsServerConfig(w.serverSvid)),
            TypeError,
          );
        } finally {
          await closeServer(s.server);
        }
      },
    ),

    scenario(
      "spiffeServer with https and http2 servers: handlers only see verified clients",
      async () => {
        const w = await world(lib, devagent);
        const config = lib.mtlsServerConfig(w.serverSvid, w.minimal, lib.authorizeId(CLIENT_ID));
        const clientOptions = (id) =>
          lib.clientConnectionOptions(
            lib.mtlsClientConfig(w.clientSvid, w.both, lib.authorizeId(id)),
          );
        let handled = 0;
        const https = lib.spiffeServer(
          createHttpsServer((req, res) => {
            handled++;
            res.end(`hello ${lib.peerIdFromSocket(req.socket)}`);
          }),
          config,
        );
        const httpsPort = await listening(https);
        const get = () =>
          within(
            new Promise((resolve, reject) => {
              httpsRequest({
                host: "127.0.0.1",
                port: httpsPort,
                path: "/",
                agent: false,
                ...clientOptions(SERVER_ID),
              }, (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (chunk) => (body += chunk));
                res.on("end", () => resolve(body));
              }).on("error", reject).end();
            }),
            "an https request",
          );
        try {
          assert.equal(await get(), `hello ${CLIENT_ID}`);
          // A client certificate of another domain never reaches the handler.
          const refused = await plainClient({
            port: httpsPort,
            ...pem(w.otherClientSvid),
            ca: w.exampleBundle.marshal(),
          });
          assert.equal(refused.data, "");
          assert.equal(handled, 1);
        } finally {
          await closeServer(https);
        }
        // http2 negotiates h2 by ALPN: the server's own ALPN setting carries over.
        const h2 = lib.spiffeServer(
          createSecureServer({}, (req, res) => res.end(`h2 ${lib.peerIdFromSocket(req.socket)}`)),
          config,
        );
        const h2Port = await listening(h2);
        const session = http2Connect(`https://127.0.0.1:${h2Port}`, clientOptions(SERVER_ID));
        session.on("error", () => {});
        try {
          const body = await within(
            new Promise((resolve, reject) => {
              const stream = session.request({ ":path": "/" });
              let text = "";
              stream.setEncoding("utf8");
              stream.on("data", (chunk) => (text += chunk));
              stream.on("end", () => resolve(text));
              stream.on("error", reject);
              stream.end();
            }),
            "the HTTP/2 reply",
          );
          assert.equal(body, `h2 ${CLIENT_ID}`);
        } finally {
          session.destroy();
          await closeServer(h2);
        }
      },
    ),

    scenario(
      "serverContextOptions follows the source: the same object until the SVID changes",
      async () => {
        const w = await world(lib, devagent);
        let svid = w.serverSvid;
        const rotating = { getX509Svid: () => svid };
        const listed = lib.mtlsServerConfig(rotating, w.both, lib.authorizeAny());
        const first = lib.serverContextOptions(listed);
        assert.equal(lib.serverContextOptions(listed), first);
        assert.equal(first.requestCert, true);
        assert.equal(first.rejectUnauthorized, true);
        assert.equal(first.ca.length, 2);
        svid = w.clientSvid;
        const second = lib.serverContextOptions(listed);
        assert.notEqual(second, first);
        assert.notEqual(second.cert, first.cert);
        const minimal = lib.serverContextOptions(
          lib.mtlsServerConfig(rotating, w.minimal, lib.authorizeAny()),
        );
        assert.deepEqual([minimal.ca, minimal.rejectUnauthorized, minimal.requestCert], [
          [],
          false,
          true,
        ]);
        assert.throws(() => lib.serverContextOptions(listed, { cert: "x" }), TypeError);

        // A bound server presents the source's SVID current at each new connection.
        svid = w.serverSvid;
        const s = await helloServer(lib, lib.tlsServerConfig(rotating));
        try {
          const config = lib.tlsClientConfig(w.both, lib.authorizeAny());
          const address = { host: "127.0.0.1", port: s.port };
          const before = await lib.spiffeConnect(config, address);
          assert.equal(lib.peerIdFromSocket(before).toString(), SERVER_ID);
          before.destroy();
          svid = w.clientSvid; // "rotated" to another identity
          const after = await lib.spiffeConnect(config, address);
          assert.equal(lib.peerIdFromSocket(after).toString(), CLIENT_ID);
          after.destroy();
        } finally {
          await closeServer(s.server);
        }
      },
    ),

    scenario(
      "server options never bound fail closed and name the missing step (tls and https servers)",
      async () => {
        const w = await world(lib, devagent);
        const cases = [
          ["tlsServerOptions", lib.tlsServerOptions(w.serverSvid)],
          ["mtlsServerOptions", lib.mtlsServerOptions(w.serverSvid, w.both, lib.authorizeAny())],
        ];
        for (const [what, options] of cases) {
          for (const make of [createServer, createHttpsServer]) {
            const server = make({ ...options });
            const secured = [];
            const refusals = [];
            server.on("secureConnection", (socket) => {
              secured.push(socket);
              socket.destroy();
            });
            server.on("tlsClientError", (err) => refusals.push(err));
            const port = await listening(server);
            try {
              const client = { port, ...pem(w.clientSvid), ca: w.exampleBundle.marshal() };
              // A client that sends a server name: both runtimes ask the options' SNICallback.
              const named = await plainClient({ ...client, servername: "localhost" });
              assert.equal(named.secure, false, what);
              await until(() => refusals.length === 1, `${what}: the refusal`);
              assert.match(
                refusals[0].message,
                /^spiffe-ts: server options used without spiffeServer\(\.\.\.\)/,
                what,
              );
              // One that sends none (an IP address): Deno still asks it, Node refuses the
              // client in the handshake for want of a server certificate.
              const bare = await plainClient(client);
              assert.equal(bare.secure, false, what);
              await until(() => refusals.length === 2, `${what}: the second refusal`);
              if (runtime === "deno") assert.match(refusals[1].message, /spiffeServer/, what);
              else assert.equal(refusals[1].code, "ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM", what);
              assert.deepEqual(secured, [], `${what}: an unbound server let a client through`);
            } finally {
              await closeServer(server);
            }
          }
        }
      },
    ),

    scenario(
      "spiffeServer binds once, refuses what it cannot bind, and checks its options",
      async () => {
        const w = await world(lib, devagent);
        const config = lib.tlsServerConfig(w.serverSvid);
        const server = createServer();
        assert.equal(lib.spiffeServer(server, config), server);
        assert.equal(lib.spiffeServer(server, config), server);
        assert.throws(() => lib.spiffeServer(server, lib.tlsServerConfig(w.clientSvid)), {
          name: "TypeError",
          message: "spiffeServer: the server is already bound to another config",
        });
        assert.throws(() => lib.spiffeServer(createNetServer(), config), TypeError);
        assert.throws(
          () => lib.spiffeServer(createServer(), lib.tlsClientConfig(w.both, lib.authorizeAny())),
          TypeError,
        );
        assert.throws(
          () => lib.spiffeServer(createServer(), config, { tlsOptions: { requestCert: false } }),
          (err) => err instanceof TypeError && err.message.includes("tlsOptions.requestCert"),
        );
        assert.throws(() => lib.mtlsServerConfig(w.serverSvid, w.both, undefined), TypeError);
        assert.throws(() => lib.mtlsServerConfig(w.serverSvid, {}, lib.authorizeAny()), TypeError);
      },
    ),
  ];
}
