// Trust anchors: a chain must anchor in the bundle of its own trust domain. A chain from
// another trust domain's CA is refused although both bundles are loaded (node:tls alone
// accepts it against the union), a root outside the bundle is refused even when the peer
// sends it along or it sits in the default ("system") store, and the option builders
// always give node:tls the bundles as its only roots.
import assert from "node:assert/strict";
import { join } from "node:path";
import type { ConnectionOptions, SecureContext } from "node:tls";
import {
  AuthorizationError,
  authorizeAny,
  authorizeId,
  authorizeMemberOf,
  dialWithMode,
  mtlsClientOptions,
  mtlsClientWithRawConfig,
  mtlsServerOptions,
  mtlsServerWithRawConfig,
  mtlsWebServerOptions,
  peerIdFromSocket,
  SpiffeId,
  tlsClientOptions,
  tlsClientWithRawConfig,
  tlsServerOptions,
  tlsServerWithRawConfig,
  X509BundleSet,
  X509Source,
  X509SvidError,
} from "../../mod.ts";
import { assertRejectsSpiffe } from "../_helpers/assert.ts";
import { TestCa } from "../_helpers/ca.ts";
import { agentWith, FAST_BACKOFF, tempDir } from "../_helpers/agent.ts";
import {
  CLIENT_ID,
  closeSocket,
  makePki,
  type Pki,
  refusedAfterHandshake,
  SERVER_ID,
  svidFrom,
} from "./_fixtures.ts";
import {
  dialRefused,
  pems,
  plainConnect,
  plainConnectThenRead,
  plainServer,
  presenting,
  serving,
} from "./_peers.ts";

const HOUR = 3600_000;
const UNKNOWN_AUTHORITY =
  "x509svid: could not verify leaf certificate: x509: certificate signed by unknown authority";

/** Plain node:tls client options trusting the union of both trust domains' roots. */
function trustingBoth(pki: Pki): ConnectionOptions {
  return { ca: pems(pki.example, pki.other), checkServerIdentity: () => undefined };
}

// ---------------------------------------------------------------------------------------
// The key security property: a chain anchors only in its own trust domain's bundle.

Deno.test("a server chain from another trust domain's CA is refused although both bundles are loaded", async () => {
  const pki = await makePki();
  // spiffe://example.org/... signed by other.org's CA: valid against the union of roots.
  const forged = await pki.other.svid(SERVER_ID);
  await using server = await plainServer({ cert: forged.pem, key: forged.keyPem });
  // Control: node:tls with the union as `ca` accepts the chain; only our check refuses it.
  assert.equal(await plainConnect({ port: server.port, ...trustingBoth(pki) }), "secure");
  for (const authorizer of [authorizeAny(), authorizeId(SERVER_ID)]) {
    await assertRejectsSpiffe(
      dialWithMode(
        { hostname: "127.0.0.1", port: server.port },
        tlsClientWithRawConfig(authorizer, pki.both),
      ),
      X509SvidError,
      "ERR_X509_SVID",
      UNKNOWN_AUTHORITY,
    );
  }
});

Deno.test("a client chain from another trust domain's CA is refused although both bundles are loaded", async () => {
  const pki = await makePki();
  // spiffe://example.org/client signed by other.org's CA: valid against the union of roots.
  const forged = await pki.other.svid(CLIENT_ID);
  const forgedSvid = await svidFrom(pki.other, CLIENT_ID); // well formed, so it parses
  const serverSvid = await svidFrom(pki.example, SERVER_ID);
  // Control: a plain node:tls server with the union as `ca` authorizes the client.
  {
    const exampleServerLeaf = await pki.example.svid(SERVER_ID);
    await using control = await plainServer({
      cert: exampleServerLeaf.pem,
      key: exampleServerLeaf.keyPem,
      ca: pems(pki.example, pki.other),
      requestCert: true,
      rejectUnauthorized: true,
    });
    const result = await plainConnectThenRead(
      control.port,
      presenting(forged, pems(pki.example, pki.other)),
    );
    assert.equal(result.received, "Hello client\n");
    assert.equal(control.secured[0]?.authorized, true);
  }
  for (const authorizer of [authorizeAny(), authorizeId(CLIENT_ID)]) {
    await using served = await serving(
      mtlsServerWithRawConfig(authorizer, serverSvid, pki.both),
    );
    const socket = await dialWithMode(
      { hostname: "127.0.0.1", port: served.port },
      mtlsClientWithRawConfig(authorizeId(SERVER_ID), forgedSvid, pki.both),
    );
    await refusedAfterHandshake(socket);
    const err = await served.log.refusals.waitFor("the refusal");
    assert.ok(err instanceof X509SvidError, `${err}`);
    assert.equal(err.code, "ERR_X509_SVID");
    assert.equal(err.message, UNKNOWN_AUTHORITY);
    assert.deepEqual(served.log.peers, []);
    assert.deepEqual(served.log.lines, []);
  }
});

Deno.test("an X509Source with a federated bundle verifies the other domain's peers, then authorizes", async () => {
  // The devagent federates with other.org: the client's source holds both bundles.
  await using agent = await agentWith([CLIENT_ID], { federatesWith: ["other.org"] });
  const source = await X509Source.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const otherServer = await agent.authority("other.org").issueX509Svid(
      SpiffeId.parse("spiffe://other.org/server"),
      HOUR,
    );
    await using served = await serving(tlsServerWithRawConfig(otherServer));
    const address = { hostname: "127.0.0.1", port: served.port };
    const socket = await dialWithMode(
      address,
      tlsClientWithRawConfig(authorizeMemberOf("other.org"), source),
    );
    assert.equal(peerIdFromSocket(socket).toString(), "spiffe://other.org/server");
    await closeSocket(socket);
    await assertRejectsSpiffe(
      dialWithMode(address, tlsClientWithRawConfig(authorizeMemberOf("example.org"), source)),
      AuthorizationError,
      "ERR_AUTHORIZATION",
      'unexpected trust domain "other.org"',
    );
  } finally {
    await source.close();
  }
});

Deno.test("a chain to a root that is not in the bundle is refused on both sides", async () => {
  const pki = await makePki();
  const rogue = await TestCa.root("example.org");
  const leaf = await rogue.svid(SERVER_ID);
  const cases: [string, string, string][] = [
    ["the leaf alone", leaf.pem, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"],
    // A root sent along with the leaf is a self-supplied anchor: it counts for nothing.
    ["the leaf and its root", leaf.pem + rogue.cert.pem, "SELF_SIGNED_CERT_IN_CHAIN"],
  ];
  for (const [what, chain, code] of cases) {
    await using server = await plainServer({ cert: chain, key: leaf.keyPem });
    const err = await dialRefused(
      server.port,
      tlsClientWithRawConfig(authorizeAny(), pki.exampleBundle),
    ) as Error & { code?: string };
    assert.ok(err instanceof Error, `${what}: ${err}`);
    assert.equal(err.code, code, `${what}: ${err}`);
  }
  {
    const serverSvid = await svidFrom(pki.example, SERVER_ID);
    await using served = await serving(
      mtlsServerWithRawConfig(authorizeAny(), serverSvid, pki.exampleBundle),
    );
    const leaf = await rogue.svid(CLIENT_ID);
    const result = await plainConnectThenRead(
      served.port,
      presenting({ pem: leaf.pem + rogue.cert.pem, keyPem: leaf.keyPem }, pems(pki.example)),
    );
    assert.equal(result.received, "");
    // The TLS layer refuses it (Deno reports a bare "socket hang up" for it).
    const err = await served.log.refusals.waitFor("the refusal");
    assert.ok(err instanceof Error);
    assert.deepEqual(served.log.peers, []);
  }
});

Deno.test("a root in the default (system) store but not in the bundle is refused", async () => {
  const pki = await makePki();
  const system = await TestCa.root("example.org");
  const leaf = await system.svid(SERVER_ID);
  await using temp = await tempDir();
  const storeFile = join(temp.dir, "system-roots.pem");
  const bundleFile = join(temp.dir, "bundle.pem");
  await Deno.writeTextFile(storeFile, system.cert.pem);
  await Deno.writeTextFile(bundleFile, pki.example.cert.pem);
  await using server = await plainServer({ cert: leaf.pem, key: leaf.keyPem });
  const child = new URL("./_system_store_client.ts", import.meta.url).pathname;
  for (const variable of ["DENO_CERT", "NODE_EXTRA_CA_CERTS"]) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-net",
        "--allow-env",
        "--allow-sys",
        child,
        String(server.port),
        bundleFile,
      ],
      env: { [variable]: storeFile },
      cwd: new URL("../..", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.ok(output.success, stderr);
    const result = JSON.parse(new TextDecoder().decode(output.stdout));
    // Control: with the root in the default store, plain node:tls trusts the server ...
    assert.equal(result.plain, "accepted", `${variable}: ${stderr}`);
    // ... and spiffe-ts does not, because the root is not in the bundle: not with
    // dialWithMode, not with the option builders under https (whose agent adds the
    // default store as `ca` when NODE_EXTRA_CA_CERTS is set; the SPIFFE context wins).
    assert.match(result.spiffe, /^refused: /, variable);
    assert.match(result.https, /^refused: /, variable);
  }
});

/** Deno's SecureContext exposes what it was built from; Node's does not. */
function contextRoots(context: SecureContext): { ca?: unknown; useDefaultCA?: boolean } {
  return (context as unknown as { context: { ca?: unknown; useDefaultCA?: boolean } }).context;
}

Deno.test("SPIFFE option builders always set `ca` from the bundles, never the default roots", async () => {
  const pki = await makePki();
  const svid = await svidFrom(pki.example, CLIENT_ID);
  await using agent = await agentWith([CLIENT_ID], { federatesWith: ["other.org"] });
  const source = await X509Source.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  try {
    const cases: [string, ConnectionOptions, string[]][] = [
      ["tls, one bundle", tlsClientOptions(pki.exampleBundle, authorizeAny()), pems(pki.example)],
      [
        "tls, a set",
        tlsClientOptions(pki.both, authorizeAny()),
        pems(pki.example, pki.other),
      ],
      ["tls, an empty set", tlsClientOptions(new X509BundleSet(), authorizeAny()), []],
      [
        "mtls, one bundle",
        mtlsClientOptions(svid, pki.exampleBundle, authorizeAny()),
        pems(pki.example),
      ],
      [
        "mtls, an X509Source",
        mtlsClientOptions(source, source, authorizeAny()),
        [
          ...agent.bundle.x509Authorities(),
          ...agent.authority("other.org").x509Bundle().x509Authorities(),
        ].map((cert) => cert.toString()),
      ],
    ];
    for (const [what, options, expected] of cases) {
      assert.equal(options.rejectUnauthorized, true, what);
      assert.equal(typeof options.checkServerIdentity, "function", what);
      const sorted = (pems: unknown) => [...(pems as string[])].map((pem) => pem.trim()).sort();
      // A plain `ca`, if the builder sets one too, holds the bundles and nothing else.
      if (options.ca !== undefined) assert.deepEqual(sorted(options.ca), sorted(expected), what);
      const roots = contextRoots(options.secureContext!);
      if ("useDefaultCA" in roots) {
        assert.equal(roots.useDefaultCA, false, what);
        assert.deepEqual(sorted(roots.ca), sorted(expected), what);
      }
    }
    // Servers that check clients: `ca` is present (empty until bound) and certs required.
    for (
      const options of [
        mtlsServerOptions(svid, pki.exampleBundle, authorizeAny()),
        mtlsWebServerOptions(pki.webCertificate, pki.exampleBundle, authorizeAny()),
      ]
    ) {
      assert.deepEqual(options.ca, []);
      assert.equal(options.requestCert, true);
      assert.equal(options.rejectUnauthorized, true);
    }
    // A TLS server checks no client: it asks for no certificate.
    assert.equal(tlsServerOptions(svid).requestCert, undefined);
  } finally {
    await source.close();
  }
});

Deno.test("an empty bundle set trusts nothing: the client refuses every server", async () => {
  const pki = await makePki();
  const serverSvid = await svidFrom(pki.example, SERVER_ID);
  await using served = await serving(tlsServerWithRawConfig(serverSvid));
  const err = await dialRefused(
    served.port,
    tlsClientWithRawConfig(authorizeAny(), new X509BundleSet()),
  );
  assert.ok(err instanceof Error, `${err}`);
});
