// The TLS hardening scenarios of issue #8, written once and run twice: by Deno against the
// sources (tests/tls/hardening_test.ts) and by Node 20 against the npm build
// (tests/node/hardening.test.mjs), so that both runtimes are held to the same decisions.
// Plain JavaScript on purpose: Node runs it as it is. Every scenario makes its own
// devagent and sockets and releases them; every wait is bounded.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import {
  Agent as HttpsAgent,
  createServer as createHttpsServer,
  request as httpsRequest,
} from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer } from "node:tls";
import { delay, within } from "./_scenario_wait.mjs";

const SERVER_ID = "spiffe://example.org/server";
const CLIENT_ID = "spiffe://example.org/client";
const OTHER_ID = "spiffe://example.org/other";

/** A devagent serving the server and client identities, with a source for each. */
async function world(lib, startDevAgent, agentOptions = {}) {
  const dir = await mkdtemp(join(tmpdir(), "spiffe-ts-hardening-"));
  const agent = await startDevAgent({
    ...agentOptions,
    sockets: [
      { path: join(dir, "server.sock"), spiffeId: SERVER_ID },
      { path: join(dir, "client.sock"), spiffeId: CLIENT_ID },
    ],
  });
  const server = await lib.X509Source.create({ address: agent.addresses[0] });
  const client = await lib.X509Source.create({ address: agent.addresses[1] });
  const pem = (source) => {
    const { certificates, privateKey } = source.getX509Svid().marshal();
    return { cert: certificates, key: privateKey };
  };
  const bundlePem = agent.bundle.marshal();
  return {
    agent,
    server,
    client,
    serverPem: pem(server),
    clientPem: pem(client),
    bundlePem,
    async close() {
      await server.close();
      await client.close();
      await agent.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An authorizer whose decision the test can change: it accepts `id` while `allowed`. */
function switchable(lib, id) {
  const state = { allowed: true };
  const accept = lib.authorizeId(id);
  const refuse = lib.authorizeId(OTHER_ID);
  const authorizer = (peer, chains) => (state.allowed ? accept : refuse)(peer, chains);
  return { state, authorizer };
}

function listening(server) {
  tracked(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Closes a server, dropping the connections a failed scenario may have left open. */
function closeServer(server) {
  const closed = new Promise((resolve) => server.close(() => resolve()));
  server.closeAllConnections?.();
  for (const socket of server[OPEN] ?? []) socket.destroy();
  return within(closed, "the server to close");
}

const OPEN = Symbol("open sockets");

/** listenWithMode on a loopback port, with the server's connections tracked. */
async function listenSpiffe(lib, mode, options) {
  return tracked(await lib.listenWithMode({ hostname: "127.0.0.1", port: 0 }, mode, options));
}

/** Tracks a server's connections so that closeServer can drop them. */
function tracked(server) {
  server[OPEN] = new Set();
  server.on("connection", (socket) => {
    server[OPEN].add(socket);
    socket.on("close", () => server[OPEN].delete(socket));
  });
  return server;
}

/** One line each way over `socket`; resolves with the server's line. */
function exchange(socket) {
  return within(
    new Promise((resolve, reject) => {
      let data = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk) => (data += chunk));
      socket.on("error", reject);
      socket.on("close", () => resolve(data.trim()));
      socket.write("Hello server\n");
    }),
    "the exchange",
  );
}

/** A hello server for listenWithMode-made servers: answers every verified client. */
function answerHello(server, seen) {
  server.on("secureConnection", (socket) => {
    seen.push(socket);
    socket.on("error", () => socket.destroy());
    socket.once("data", () => socket.end("Hello client\n"));
  });
}

/** Connects a raw node:tls client and waits for the handshake (or its failure). */
function rawConnect(options) {
  return within(
    new Promise((resolve, reject) => {
      const socket = connect({ checkServerIdentity: () => undefined, ...options });
      socket.once("secureConnect", () => resolve(socket));
      socket.once("error", reject);
    }),
    "a raw TLS handshake",
  );
}

/**
 * Waits until a connected socket ends; resolves with what it received and the error it
 * saw, if any.
 */
function outcome(socket) {
  return within(
    new Promise((resolve) => {
      let data = "";
      let error;
      socket.setEncoding("utf8");
      socket.on("data", (chunk) => (data += chunk));
      socket.on("error", (err) => (error = err));
      socket.on("close", () => resolve({ data, error }));
    }),
    "the socket to close",
  );
}

/** The session ticket a node:tls client socket receives, if any, within a short while. */
function nextSession(socket) {
  return within(
    new Promise((resolve) => {
      socket.once("session", resolve);
      socket.once("close", () => resolve(undefined));
    }),
    "a session ticket",
  );
}

/**
 * The scenarios, as `{ name, fn }`, for `lib` (the library's main entry) and
 * `startDevAgent` (its devagent entry); `runtime` is "deno" or "node".
 */
export function hardeningScenarios(lib, startDevAgent, runtime) {
  const scenario = (name, fn) => ({ name, fn });
  return [
    scenario(
      "an mTLS server accepts a client whose SVID is issued by an intermediate (TLS 1.3 and 1.2)",
      async () => {
        const w = await world(lib, startDevAgent, { intermediate: true });
        const server = await listenSpiffe(
          lib,
          lib.mtlsServerWithSource(lib.authorizeId(CLIENT_ID), w.server),
        );
        const seen = [];
        const refusals = [];
        answerHello(server, seen);
        server.on("tlsClientError", (err) => refusals.push(err));
        try {
          assert.ok(
            w.client.getX509Svid().certificates.length >= 2,
            "the SVID has an intermediate",
          );
          for (const maxVersion of ["TLSv1.3", "TLSv1.2"]) {
            const socket = await lib.dialWithMode(
              { hostname: "127.0.0.1", port: server.address().port },
              lib.mtlsClientWithSource(lib.authorizeId(SERVER_ID), w.client),
              { tlsOptions: { maxVersion } },
            );
            assert.equal(socket.getProtocol(), maxVersion);
            assert.equal(await exchange(socket), "Hello client");
          }
          assert.deepEqual(refusals.map(String), []);
          assert.deepEqual(seen.map((socket) => lib.peerIdFromSocket(socket).toString()), [
            CLIENT_ID,
            CLIENT_ID,
          ]);
        } finally {
          await closeServer(server);
          await w.close();
        }
      },
    ),

    scenario("a client's TLS 1.2 renegotiation is refused by a SPIFFE server", async () => {
      const w = await world(lib, startDevAgent);
      const server = await listenSpiffe(
        lib,
        lib.mtlsServerWithSource(lib.authorizeId(CLIENT_ID), w.server),
      );
      const secured = [];
      server.on("secureConnection", (socket) => {
        secured.push(socket);
        socket.on("error", () => socket.destroy());
      });
      try {
        const socket = await rawConnect({
          port: server.address().port,
          host: "127.0.0.1",
          ...w.clientPem,
          ca: w.bundlePem,
          maxVersion: "TLSv1.2",
        });
        socket.on("error", () => {});
        const renegotiated = await within(
          new Promise((resolve) => {
            const started = socket.renegotiate({}, (err) => resolve(err ?? "renegotiated"));
            if (started === false) resolve(new Error("renegotiation did not start"));
            socket.once("close", () => resolve(new Error("closed")));
          }),
          "the renegotiation",
        );
        assert.ok(renegotiated instanceof Error, `renegotiation must fail, got ${renegotiated}`);
        socket.destroy();
        // The server side never got past the refused renegotiation: it ended.
        await within(
          (async () => {
            while (!secured[0].destroyed) await delay(10);
          })(),
          "the server's socket to end",
        );
      } finally {
        await closeServer(server);
        await w.close();
      }
    }),

    scenario("a dialWithMode client refuses a server's TLS 1.2 renegotiation", async () => {
      const w = await world(lib, startDevAgent);
      const outcomes = [];
      const server = await listening(
        createServer({ ...w.serverPem, maxVersion: "TLSv1.2" }, (socket) => {
          socket.on("error", () => {});
          // Deno's node:tls cannot renegotiate at all (it calls back at once with an error).
          socket.renegotiate({ requestCert: true }, (err) => {
            outcomes.push(err ? "refused" : "renegotiated");
          });
        }),
      );
      try {
        const socket = await lib.dialWithMode(
          { hostname: "127.0.0.1", port: server.address().port },
          lib.tlsClientWithRawConfig(lib.authorizeId(SERVER_ID), w.server),
        );
        socket.on("error", () => {});
        // A client that refuses answers the HelloRequest with a no_renegotiation warning:
        // the server's renegotiation then fails or never completes. Give it 1.5 s to
        // complete (it takes a few ms when it is accepted).
        for (let i = 0; i < 150 && outcomes.length === 0; i++) await delay(10);
        assert.notDeepEqual(outcomes, ["renegotiated"]);
        socket.destroy();
      } finally {
        await closeServer(server);
        await w.close();
      }
    }),

    scenario("dialWithMode verifies a resumed session again before using it", async () => {
      const w = await world(lib, startDevAgent);
      const server = await listening(
        createServer({ ...w.serverPem }, (socket) => {
          socket.on("error", () => {});
          socket.once("data", () => socket.end("Hello client\n"));
        }),
      );
      const address = { hostname: "127.0.0.1", port: server.address().port };
      const { state, authorizer } = switchable(lib, SERVER_ID);
      const mode = lib.tlsClientWithRawConfig(authorizer, w.server);
      try {
        const first = await lib.dialWithMode(address, mode);
        const ticket = nextSession(first);
        assert.equal(await exchange(first), "Hello client");
        const session = await ticket;
        // The authorizer changes its mind: a resumed session must not keep the old answer.
        state.allowed = false;
        await assert.rejects(
          lib.dialWithMode(address, mode, { tlsOptions: { session } }),
          (err) => err instanceof lib.AuthorizationError,
        );
        state.allowed = true;
        const again = await lib.dialWithMode(address, mode, { tlsOptions: { session } });
        // Node resumes (and checked the session's chain again); Deno never resumes.
        if (runtime === "node" && session !== undefined) assert.ok(again.isSessionReused());
        assert.equal(lib.peerIdFromSocket(again).toString(), SERVER_ID);
        assert.equal(await exchange(again), "Hello client");
      } finally {
        await closeServer(server);
        await w.close();
      }
    }),

    scenario("a SPIFFE server verifies a resumed session again before any data", async () => {
      const w = await world(lib, startDevAgent);
      const { state, authorizer } = switchable(lib, CLIENT_ID);
      const server = await listenSpiffe(
        lib,
        lib.mtlsServerWithSource(authorizer, w.server),
      );
      const seen = [];
      answerHello(server, seen);
      const refusals = [];
      server.on("tlsClientError", (err) => refusals.push(err));
      const options = {
        port: server.address().port,
        host: "127.0.0.1",
        ...w.clientPem,
        ca: w.bundlePem,
      };
      try {
        const first = await rawConnect(options);
        const ticket = nextSession(first);
        assert.equal(await exchange(first), "Hello client");
        const session = await ticket;
        state.allowed = false;
        const resumed = await rawConnect({ ...options, session }).catch((err) => err);
        if (!(resumed instanceof Error)) {
          resumed.write("Hello server\n");
          const { data } = await outcome(resumed);
          assert.equal(data, "", "a refused client gets no data");
        }
        await within(
          (async () => {
            while (refusals.length === 0) await delay(10);
          })(),
          "the refusal",
        );
        assert.ok(refusals[0] instanceof lib.AuthorizationError, String(refusals[0]));
        assert.equal(seen.length, 1);
      } finally {
        await closeServer(server);
        await w.close();
      }
    }),

    scenario(
      "an https.Agent built from mtlsClientOptions never resumes past the SPIFFE check",
      async () => {
        const w = await world(lib, startDevAgent);
        const options = lib.mtlsServerOptions(w.server, w.server, lib.authorizeId(CLIENT_ID));
        const server = lib.bindSpiffeServer(
          createHttpsServer(options, (_req, res) => res.end("hello")),
          options,
        );
        await listening(server);
        const { state, authorizer } = switchable(lib, SERVER_ID);
        const agent = new HttpsAgent({ keepAlive: false });
        const get = () =>
          within(
            new Promise((resolve, reject) => {
              const req = httpsRequest({
                host: "127.0.0.1",
                port: server.address().port,
                path: "/",
                agent,
                ...lib.mtlsClientOptions(w.client, w.client, authorizer),
              }, (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (chunk) => (body += chunk));
                res.on("end", () => resolve(body));
              });
              req.on("error", reject);
              req.end();
            }),
            "an https request",
          );
        try {
          assert.equal(await get(), "hello");
          assert.equal(await get(), "hello");
          state.allowed = false;
          await assert.rejects(get(), (err) => err instanceof lib.AuthorizationError);
        } finally {
          agent.destroy();
          server.closeAllConnections?.();
          await closeServer(server);
          await w.close();
        }
      },
    ),

    scenario("a refused TLS 1.2 client receives a bad_certificate alert", async () => {
      const w = await world(lib, startDevAgent);
      const server = await listenSpiffe(
        lib,
        lib.mtlsServerWithSource(lib.authorizeId(OTHER_ID), w.server),
      );
      server.on("tlsClientError", () => {});
      try {
        const result = await rawConnect({
          port: server.address().port,
          host: "127.0.0.1",
          ...w.clientPem,
          ca: w.bundlePem,
          maxVersion: "TLSv1.2",
        }).then((socket) => outcome(socket).then(({ error }) => error ?? socket), (err) => err);
        assert.ok(result instanceof Error, `the client must see an error, got ${result}`);
        assert.match(
          `${result.code ?? ""} ${result.message}`,
          /ALERT_BAD_CERTIFICATE|BadCertificate|bad certificate/i,
        );
      } finally {
        await closeServer(server);
        await w.close();
      }
    }),

    scenario(
      "dialWithMode honours context options and refuses the ones that would bypass SPIFFE",
      async () => {
        const w = await world(lib, startDevAgent);
        const server = await listenSpiffe(
          lib,
          lib.mtlsServerWithSource(lib.authorizeId(CLIENT_ID), w.server),
          { tlsOptions: { maxVersion: "TLSv1.2" } },
        );
        answerHello(server, []);
        const address = { hostname: "127.0.0.1", port: server.address().port };
        const mode = lib.mtlsClientWithSource(lib.authorizeId(SERVER_ID), w.client);
        try {
          const plain = await lib.dialWithMode(address, mode);
          assert.equal(plain.getProtocol(), "TLSv1.2");
          assert.equal(await exchange(plain), "Hello client");
          // The server's maxVersion survives the secure-context refresh of a rotation.
          const rotated = new Promise((resolve) => {
            const stop = w.server.onUpdate(() => (stop(), resolve()));
          });
          await w.agent.rotate();
          await within(rotated, "the rotation");
          const after = await lib.dialWithMode(address, mode);
          assert.equal(after.getProtocol(), "TLSv1.2");
          assert.equal(await exchange(after), "Hello client");
          // And the client's own: the prebuilt context does not drop it. Deno's node:tls
          // ignores cipher choices, so there the option is refused rather than dropped.
          const ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
          if (runtime === "node") {
            const pinned = await lib.dialWithMode(address, mode, { tlsOptions: { ciphers } });
            assert.equal(pinned.getCipher().name, ciphers);
            assert.equal(await exchange(pinned), "Hello client");
          } else {
            await assert.rejects(
              lib.dialWithMode(address, mode, { tlsOptions: { ciphers } }),
              (err) => err instanceof TypeError && err.message.includes("not supported by Deno"),
            );
          }
          for (
            const [field, value] of [
              ["ca", w.bundlePem],
              ["cert", w.clientPem.cert],
              ["secureContext", {}],
              ["rejectUnauthorized", false],
              ["checkServerIdentity", () => undefined],
              ["minVersion", "TLSv1.1"],
            ]
          ) {
            await assert.rejects(
              lib.dialWithMode(address, mode, { tlsOptions: { [field]: value } }),
              (err) => err instanceof TypeError && err.message.includes(`tlsOptions.${field}`),
              field,
            );
          }
          await assert.rejects(
            lib.listenWithMode(
              { hostname: "127.0.0.1", port: 0 },
              lib.mtlsServerWithSource(lib.authorizeAny(), w.server),
              { tlsOptions: { requestCert: false } },
            ),
            (err) => err instanceof TypeError && err.message.includes("tlsOptions.requestCert"),
          );
        } finally {
          await closeServer(server);
          await w.close();
        }
      },
    ),

    scenario("a dialed socket's errors after the handshake never go unhandled", async () => {
      const w = await world(lib, startDevAgent);
      // A server that requires a client certificate, dialed without one: under TLS 1.3 the
      // client finishes first, then receives the server's certificate_required alert, on
      // Deno sometimes in the same turn as the handshake's end.
      const server = await listenSpiffe(
        lib,
        lib.mtlsServerWithSource(lib.authorizeAny(), w.server),
      );
      server.on("tlsClientError", () => {});
      const address = { hostname: "127.0.0.1", port: server.address().port };
      const mode = lib.tlsClientWithRawConfig(lib.authorizeId(SERVER_ID), w.server);
      try {
        for (let i = 0; i < 30; i++) {
          const socket = await lib.dialWithMode(address, mode).catch(() => undefined);
          if (socket === undefined) continue;
          await delay(5); // the caller attaches its listener late, as real code may
          const err = await within(
            new Promise((resolve) => {
              socket.on("error", resolve);
              socket.on("close", () => resolve(undefined));
            }),
            "the refused socket to end",
          );
          // An error that arrived while nobody listened was held for this listener.
          if (err !== undefined) assert.ok(err instanceof Error);
          socket.destroy();
        }
        // The point is reaching here: an uncaught error would have failed the test run.
      } finally {
        await closeServer(server);
        await w.close();
      }
    }),
  ];
}
