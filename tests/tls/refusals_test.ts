// Peers that must be refused, over real TLS handshakes on loopback: the wrong ID or trust
// domain, expired or not-yet-valid SVIDs, certificates without a SPIFFE ID, a client
// without a certificate, and modes without an authorizer. Each refusal is checked where
// it is decided: the dialing side's typed error, or the server's `tlsClientError`. The
// trust anchor refusals (other trust domains' CAs, roots outside the bundle) are in
// trust_anchors_test.ts.
import assert from "node:assert/strict";
import { once } from "node:events";
import {
  AuthorizationError,
  authorizeAny,
  authorizeId,
  authorizeMatches,
  authorizeMemberOf,
  type Authorizer,
  dialWithMode,
  mtlsClientOptions,
  mtlsClientWithRawConfig,
  mtlsClientWithSourceOptions,
  mtlsServerOptions,
  mtlsServerWithRawConfig,
  mtlsServerWithSourceOptions,
  mtlsWebClientWithRawConfig,
  mtlsWebServerOptions,
  mtlsWebServerWithRawConfig,
  tlsClientOptions,
  tlsClientWithRawConfig,
  tlsServerOptions,
  tlsServerWithRawConfig,
  X509SvidError,
} from "../../mod.ts";
import { assertRejectsSpiffe, assertThrowsSpiffe } from "../_helpers/assert.ts";
import {
  CLIENT_ID,
  closeServer,
  closeSocket,
  EXAMPLE,
  makePki,
  refusedAfterHandshake,
  SERVER_ID,
  svidFrom,
} from "./_fixtures.ts";
import {
  dialRefused,
  pems,
  plainConnectThenRead,
  plainServer,
  presenting,
  serving,
} from "./_peers.ts";

const HOUR = 3600_000;

// ---------------------------------------------------------------------------------------
// Authorization: the wrong ID, the wrong trust domain.

Deno.test("a client refuses a server with the wrong ID (unexpected ID)", async () => {
  const pki = await makePki();
  const serverSvid = await svidFrom(pki.example, SERVER_ID);
  const clientSvid = await svidFrom(pki.example, CLIENT_ID);
  for (
    const mode of [
      tlsClientWithRawConfig(authorizeId("spiffe://example.org/expected"), pki.exampleBundle),
      mtlsClientWithRawConfig(
        authorizeId("spiffe://example.org/expected"),
        clientSvid,
        pki.exampleBundle,
      ),
    ]
  ) {
    const serverMode = mode.kind === "tls"
      ? tlsServerWithRawConfig(serverSvid)
      : mtlsServerWithRawConfig(authorizeAny(), serverSvid, pki.exampleBundle);
    const { server, log, port } = await serving(serverMode);
    await assertRejectsSpiffe(
      dialWithMode({ hostname: "127.0.0.1", port }, mode),
      AuthorizationError,
      "ERR_AUTHORIZATION",
      'unexpected ID "spiffe://example.org/server"',
    );
    await closeServer(server);
    assert.deepEqual(log.lines, [], "the server got application data from a refusing client");
  }
});

Deno.test("a server refuses a client with the wrong ID (tlsClientError, nothing reaches secureConnection)", async () => {
  const pki = await makePki();
  const serverSvid = await svidFrom(pki.example, SERVER_ID);
  const intruder = await svidFrom(pki.example, "spiffe://example.org/intruder");
  for (
    const mode of [
      mtlsServerWithRawConfig(authorizeId(CLIENT_ID), serverSvid, pki.exampleBundle),
      mtlsWebServerWithRawConfig(authorizeId(CLIENT_ID), pki.webCertificate, pki.exampleBundle),
    ]
  ) {
    await using served = await serving(mode);
    const clientMode = mode.kind === "mtls"
      ? mtlsClientWithRawConfig(authorizeId(SERVER_ID), intruder, pki.exampleBundle)
      : mtlsWebClientWithRawConfig(pki.webRoots, intruder);
    const socket = await dialWithMode(
      { hostname: mode.kind === "mtls" ? "127.0.0.1" : "localhost", port: served.port },
      clientMode,
    );
    await refusedAfterHandshake(socket);
    const err = await served.log.refusals.waitFor("the refusal");
    assert.ok(err instanceof AuthorizationError, `${err}`);
    assert.equal(err.code, "ERR_AUTHORIZATION");
    assert.equal(err.message, 'unexpected ID "spiffe://example.org/intruder"');
    assert.deepEqual(served.log.peers, []);
    assert.deepEqual(served.log.lines, []);
  }
});

Deno.test("the wrong trust domain is refused on both sides (unexpected trust domain)", async () => {
  const pki = await makePki();
  // Both bundles are loaded: the other.org peers verify, then the authorizer says no.
  const otherServer = await svidFrom(pki.other, "spiffe://other.org/server");
  const otherClient = await svidFrom(pki.other, "spiffe://other.org/client");
  const exampleServer = await svidFrom(pki.example, SERVER_ID);

  {
    await using served = await serving(tlsServerWithRawConfig(otherServer));
    await assertRejectsSpiffe(
      dialWithMode(
        { hostname: "127.0.0.1", port: served.port },
        tlsClientWithRawConfig(authorizeMemberOf("example.org"), pki.both),
      ),
      AuthorizationError,
      "ERR_AUTHORIZATION",
      'unexpected trust domain "other.org"',
    );
  }
  {
    await using served = await serving(
      mtlsServerWithRawConfig(authorizeMemberOf(EXAMPLE), exampleServer, pki.both),
    );
    const socket = await dialWithMode(
      { hostname: "127.0.0.1", port: served.port },
      mtlsClientWithRawConfig(authorizeAny(), otherClient, pki.both),
    );
    await refusedAfterHandshake(socket);
    const err = await served.log.refusals.waitFor("the refusal");
    assert.ok(err instanceof AuthorizationError, `${err}`);
    assert.equal(err.code, "ERR_AUTHORIZATION");
    assert.equal(err.message, 'unexpected trust domain "other.org"');
    assert.deepEqual(served.log.peers, []);
  }
});

Deno.test("a custom authorizer sees the verified chain and its own error travels unchanged", async () => {
  const pki = await makePki();
  const intermediate = await pki.example.intermediate("example.org");
  const serverSvid = await svidFrom(intermediate, SERVER_ID, {}, [intermediate.cert.pem]);
  const seen: string[][] = [];
  const refusal = new Error("not on the guest list");
  const authorizer: Authorizer = (id, chains) => {
    seen.push(chains[0].map((cert) => cert.subject));
    if (id.path !== "/server") throw refusal;
  };
  await using served = await serving(tlsServerWithRawConfig(serverSvid));
  const socket = await dialWithMode(
    { hostname: "127.0.0.1", port: served.port },
    tlsClientWithRawConfig(authorizer, pki.exampleBundle),
  );
  await closeSocket(socket);
  // Leaf, intermediate, then the bundle's root: the chain the authorizer gets is verified.
  assert.deepEqual(seen, [[
    serverSvid.certificates[0].subject,
    intermediate.cert.cert.subject,
    pki.example.cert.cert.subject,
  ]]);

  const other = await svidFrom(intermediate, "spiffe://example.org/other", {}, [
    intermediate.cert.pem,
  ]);
  await using second = await serving(tlsServerWithRawConfig(other));
  const err = await dialRefused(second.port, tlsClientWithRawConfig(authorizer, pki.exampleBundle));
  assert.equal(err, refusal);
});

Deno.test("the authorizer runs on every connection, even with a shared context or an offered session", async () => {
  const pki = await makePki();
  const serverSvid = await svidFrom(pki.example, SERVER_ID);
  await using served = await serving(tlsServerWithRawConfig(serverSvid));
  const address = { hostname: "127.0.0.1", port: served.port };
  // Same bundle object: the same cached secure context is used by both dials.
  const first = await dialWithMode(
    address,
    tlsClientWithRawConfig(authorizeAny(), pki.exampleBundle),
  );
  const answer = once(first, "data");
  first.write("Hello server\n");
  await answer;
  const session = first.getSession();
  await closeSocket(first);
  const wrong = authorizeId("spiffe://example.org/expected");
  await assertRejectsSpiffe(
    dialWithMode(address, tlsClientWithRawConfig(wrong, pki.exampleBundle)),
    AuthorizationError,
    "ERR_AUTHORIZATION",
    'unexpected ID "spiffe://example.org/server"',
  );
  // A session offered for resumption must not skip the SPIFFE checks either.
  await assertRejectsSpiffe(
    dialWithMode(address, tlsClientWithRawConfig(wrong, pki.exampleBundle), {
      tlsOptions: session ? { session } : {},
    }),
    AuthorizationError,
    "ERR_AUTHORIZATION",
    'unexpected ID "spiffe://example.org/server"',
  );
});

// ---------------------------------------------------------------------------------------
// Validity: expired and not-yet-valid SVIDs.

const EXPIRED = {
  notBefore: new Date(Date.now() - 2 * HOUR),
  notAfter: new Date(Date.now() - HOUR),
};
const NOT_YET_VALID = {
  notBefore: new Date(Date.now() + HOUR),
  notAfter: new Date(Date.now() + 2 * HOUR),
};

// spiffe-ts never presents a stale SVID (see "option builders refuse to serve an expired
// raw SVID"), so these peers present theirs with plain node:tls.

Deno.test("a client refuses a server whose SVID expired or is not yet valid", async () => {
  const pki = await makePki();
  const cases: [string, typeof EXPIRED][] = [
    ["expired", EXPIRED],
    ["not yet valid", NOT_YET_VALID],
  ];
  for (const [what, validity] of cases) {
    const stale = (await svidFrom(pki.example, SERVER_ID, validity)).marshal();
    await using server = await plainServer({ cert: stale.certificates, key: stale.privateKey });
    const err = await dialRefused(
      server.port,
      tlsClientWithRawConfig(authorizeAny(), pki.exampleBundle),
    ) as Error & { code?: string };
    // The TLS layer refuses before our check runs. OpenSSL names the reason
    // (CERT_HAS_EXPIRED, CERT_NOT_YET_VALID); Deno's node:tls reports both as
    // "unable to verify the first certificate" (UNABLE_TO_VERIFY_LEAF_SIGNATURE).
    assert.ok(err instanceof Error, `${what}: ${err}`);
    assert.match(
      err.code ?? "",
      /^(CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/,
      `${what}: ${err}`,
    );
    assert.deepEqual(server.secured, []);
  }
});

Deno.test("a server refuses a client whose SVID expired or is not yet valid", async () => {
  const pki = await makePki();
  const serverSvid = await svidFrom(pki.example, SERVER_ID);
  for (const validity of [EXPIRED, NOT_YET_VALID]) {
    const stale = (await svidFrom(pki.example, CLIENT_ID, validity)).marshal();
    await using served = await serving(
      mtlsServerWithRawConfig(authorizeAny(), serverSvid, pki.exampleBundle),
    );
    const { received } = await plainConnectThenRead(served.port, {
      cert: stale.certificates,
      key: stale.privateKey,
      ca: pki.exampleBundle.marshal(),
      checkServerIdentity: () => undefined,
    });
    // The TLS layer refuses it (Deno reports a bare "socket hang up" for it).
    const err = await served.log.refusals.waitFor("the refusal");
    assert.ok(err instanceof Error);
    assert.equal(received, "");
    assert.deepEqual(served.log.peers, []);
    assert.deepEqual(served.log.lines, []);
  }
});

Deno.test({
  name: "option builders refuse to serve an expired raw SVID",
  fn: async () => {
    const pki = await makePki();
    const expired = await svidFrom(pki.example, SERVER_ID, EXPIRED);
    for (
      const build of [
        () => tlsServerOptions(expired),
        () => mtlsServerOptions(expired, pki.exampleBundle, authorizeAny()),
        () => mtlsClientOptions(expired, pki.exampleBundle, authorizeAny()),
      ]
    ) {
      assertThrowsSpiffe(build, X509SvidError, "ERR_X509_SVID", /expired/);
    }
  },
});

// ---------------------------------------------------------------------------------------
// What is not an X509-SVID at all.

Deno.test("a certificate without a SPIFFE ID (no URI SAN) is refused on both sides", async () => {
  const pki = await makePki();
  const plain = await pki.example.issue({ commonName: "localhost", dnsNames: ["localhost"] });
  const message = "x509svid: could not get leaf SPIFFE ID: certificate contains no URI SAN";
  {
    await using server = await plainServer({ cert: plain.pem, key: plain.keyPem });
    await assertRejectsSpiffe(
      dialWithMode(
        { hostname: "127.0.0.1", port: server.port },
        tlsClientWithRawConfig(authorizeAny(), pki.exampleBundle),
      ),
      X509SvidError,
      "ERR_X509_SVID",
      message,
    );
  }
  {
    const serverSvid = await svidFrom(pki.example, SERVER_ID);
    await using served = await serving(
      mtlsServerWithRawConfig(authorizeAny(), serverSvid, pki.exampleBundle),
    );
    // A plain client presenting the certificate; it chains to the bundle's own root.
    const result = await plainConnectThenRead(served.port, presenting(plain, pems(pki.example)));
    assert.equal(result.received, "");
    const err = await served.log.refusals.waitFor("the refusal");
    assert.ok(err instanceof X509SvidError, `${err}`);
    assert.equal(err.code, "ERR_X509_SVID");
    assert.equal(err.message, message);
    assert.deepEqual(served.log.peers, []);
  }
});

// ---------------------------------------------------------------------------------------
// A client that presents no certificate to a mutual TLS server.

Deno.test("mtls and mtls-web servers refuse a client without a certificate", async () => {
  const pki = await makePki();
  const serverSvid = await svidFrom(pki.example, SERVER_ID);
  for (
    const mode of [
      mtlsServerWithRawConfig(authorizeAny(), serverSvid, pki.exampleBundle),
      mtlsWebServerWithRawConfig(authorizeAny(), pki.webCertificate, pki.exampleBundle),
    ]
  ) {
    await using served = await serving(mode);
    let clientError: Error | undefined;
    if (mode.kind === "mtls") {
      // Our own TLS client mode presents no certificate. Under TLS 1.3 its handshake ends
      // before the server has looked at the (missing) certificate; the alert comes next.
      const socket = await dialWithMode(
        { hostname: "127.0.0.1", port: served.port },
        tlsClientWithRawConfig(authorizeId(SERVER_ID), pki.exampleBundle),
      );
      clientError = await refusedAfterHandshake(socket);
    } else {
      const result = await plainConnectThenRead(served.port, {
        ca: pki.webRoots,
        servername: "localhost",
      });
      assert.equal(result.received, "");
      clientError = result.error;
    }
    assert.equal(
      (clientError as Error & { code?: string })?.code,
      "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
      `${clientError}`,
    );
    const err = await served.log.refusals.waitFor("the refusal") as Error & { code?: string };
    assert.equal(err.code, "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE", `${err}`);
    assert.deepEqual(served.log.peers, []);
  }
});

// ---------------------------------------------------------------------------------------
// No authorizer, no connection.

Deno.test("no authorizer: option builders throw a TypeError", async () => {
  const pki = await makePki();
  const svid = await svidFrom(pki.example, SERVER_ID);
  const missing = undefined as unknown as Authorizer;
  const message = "an authorizer is required (use authorizeAny() to allow any SPIFFE peer)";
  for (
    const build of [
      () => tlsClientOptions(pki.exampleBundle, missing),
      () => mtlsClientOptions(svid, pki.exampleBundle, missing),
      () => mtlsServerOptions(svid, pki.exampleBundle, missing),
      () => mtlsWebServerOptions(pki.webCertificate, pki.exampleBundle, missing),
      () => tlsClientOptions(pki.exampleBundle, "spiffe://example.org/server" as never),
    ]
  ) {
    assert.throws(build, { name: "TypeError", message });
  }
});

Deno.test("no authorizer: modes and option builders refuse to be built (TypeError)", async () => {
  const pki = await makePki();
  const svid = await svidFrom(pki.example, SERVER_ID);
  const missing = undefined as unknown as Authorizer;
  const sourceOptions = { address: "unix:///nonexistent.sock" };
  for (
    const build of [
      () => mtlsServerWithRawConfig(missing, svid, pki.exampleBundle),
      () => tlsClientWithRawConfig(missing, pki.exampleBundle),
      () => mtlsServerWithSourceOptions(missing, sourceOptions),
      () => mtlsClientWithSourceOptions(missing, sourceOptions),
      () => tlsClientOptions(pki.exampleBundle, missing),
      () => mtlsClientOptions(svid, pki.exampleBundle, missing),
      () => mtlsServerOptions(svid, pki.exampleBundle, missing),
    ]
  ) {
    assert.throws(build, {
      name: "TypeError",
      message: "an authorizer is required (use authorizeAny() to allow any SPIFFE peer)",
    });
  }
});

Deno.test("the mtls-web client authenticates the server the Web PKI way (host name and roots)", async () => {
  const pki = await makePki();
  const clientSvid = await svidFrom(pki.example, CLIENT_ID);
  await using served = await serving(
    mtlsWebServerWithRawConfig(authorizeAny(), pki.webCertificate, pki.exampleBundle),
  );
  const wrongHost = await dialRefused(
    served.port, // dialed as 127.0.0.1: not the certificate's name
    mtlsWebClientWithRawConfig(pki.webRoots, clientSvid),
  ) as Error & { code?: string };
  assert.equal(wrongHost.code, "ERR_TLS_CERT_ALTNAME_INVALID", `${wrongHost}`);
  // Without roots the default Web PKI store is used, and it does not hold the test root.
  const err = await dialWithMode(
    { hostname: "localhost", port: served.port },
    mtlsWebClientWithRawConfig(undefined, clientSvid),
  ).then(closeSocket, (err) => err as Error);
  assert.ok(err instanceof Error, `${err}`);
  assert.deepEqual(served.log.lines, []);
});

Deno.test("authorizeMatches works as a connection authorizer", async () => {
  const pki = await makePki();
  const serverSvid = await svidFrom(pki.example, SERVER_ID);
  await using served = await serving(tlsServerWithRawConfig(serverSvid));
  await assertRejectsSpiffe(
    dialWithMode(
      { hostname: "127.0.0.1", port: served.port },
      tlsClientWithRawConfig(
        authorizeMatches((id) => {
          throw new AuthorizationError(`unexpected ID "${id}"`);
        }),
        pki.exampleBundle,
      ),
    ),
    AuthorizationError,
    "ERR_AUTHORIZATION",
    'unexpected ID "spiffe://example.org/server"',
  );
});
