// The option builders with the platform's own servers and clients: node:tls, node:https
// and node:http2, each server bound with bindSpiffeServer, each client spreading the
// SPIFFE options; both peers named by peerIdFromSocket; refusals on both sides.
import assert from "node:assert/strict";
import {
  type ClientHttp2Session,
  connect as http2Connect,
  createSecureServer,
  type Http2SecureServer,
} from "node:http2";
import { Agent, createServer as createHttpsServer, request, type RequestOptions } from "node:https";
import { connect, createServer, type Server, type TLSSocket } from "node:tls";
import {
  AuthorizationError,
  authorizeAny,
  authorizeId,
  type Authorizer,
  bindSpiffeServer,
  mtlsClientOptions,
  mtlsServerOptions,
  mtlsWebClientOptions,
  mtlsWebServerOptions,
  peerIdFromSocket,
  tlsClientOptions,
  tlsServerOptions,
  X509SvidError,
} from "../../mod.ts";
import { assertThrowsSpiffe } from "../_helpers/assert.ts";

import {
  agentAndSources,
  CLIENT_ID,
  closeServer,
  closeSocket,
  makePki,
  portOf,
  readLine,
  Recorder,
  SERVER_ID,
  svidFrom,
  within,
} from "./_fixtures.ts";

/** Listens on loopback and resolves once listening. */
async function listening<S extends Server | Http2SecureServer>(server: S): Promise<S> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return server;
}

/** An https handler that greets the client by its verified SPIFFE ID. */
function greet(req: { socket: unknown }, res: { end(body: string): void }): void {
  res.end(`Hello ${peerIdFromSocket(req.socket as TLSSocket)}`);
}

interface Reply {
  status?: number;
  body: string;
  /** The server's ID as peerIdFromSocket names it on the client side. */
  serverId?: string;
}

/** One https GET; resolves to the reply or rejects with the request's error. */
function get(port: number, options: RequestOptions): Promise<Reply> {
  return rawGet(port, options);
}

function rawGet(port: number, options: RequestOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", ...options }, (res) => {
      let body = "";
      const socket = res.socket as TLSSocket;
      let serverId: string | undefined;
      try {
        serverId = peerIdFromSocket(socket).toString();
      } catch (err) {
        if (!(err instanceof X509SvidError)) throw err;
      }
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode, body, serverId }));
    });
    req.on("error", reject);
    req.end();
  });
}

Deno.test("https: mtlsServerOptions + bindSpiffeServer ↔ https.request with mtlsClientOptions", async () => {
  await using s = await agentAndSources();
  const options = mtlsServerOptions(s.server, s.server, authorizeId(CLIENT_ID));
  const server = await listening(bindSpiffeServer(createHttpsServer(options, greet), options));
  try {
    const reply = await get(portOf(server), {
      ...mtlsClientOptions(s.client, s.client, authorizeId(SERVER_ID)),
      agent: false,
    });
    assert.deepEqual(reply, { status: 200, body: `Hello ${CLIENT_ID}`, serverId: SERVER_ID });
  } finally {
    await closeServer(server);
  }
});

Deno.test("https: a refused client never reaches the request handler", async () => {
  await using s = await agentAndSources();
  const options = mtlsServerOptions(s.server, s.server, authorizeId("spiffe://example.org/other"));
  let handled = 0;
  const server = await listening(bindSpiffeServer(
    createHttpsServer(options, (req, res) => {
      handled++;
      greet(req, res);
    }),
    options,
  ));
  const refusals = new Recorder<Error>();
  server.on("tlsClientError", (err: Error) => refusals.push(err));
  try {
    await assert.rejects(
      get(portOf(server), {
        ...mtlsClientOptions(s.client, s.client, authorizeId(SERVER_ID)),
        agent: false,
      }),
      // The client learns nothing but a closed connection.
      (err: Error & { code?: string }) => err.code === "ECONNRESET",
    );
    const err = await refusals.waitFor("the refusal");
    assert.ok(err instanceof AuthorizationError, `${err}`);
    assert.equal(err.code, "ERR_AUTHORIZATION");
    assert.equal(err.message, `unexpected ID "${CLIENT_ID}"`);
    assert.equal(handled, 0);
  } finally {
    await closeServer(server);
  }
});

Deno.test("https: the client refuses a server with the wrong ID (the request fails typed)", async () => {
  await using s = await agentAndSources();
  const options = tlsServerOptions(s.server);
  const server = await listening(
    bindSpiffeServer(createHttpsServer(options, (_req, res) => res.end("secret")), options),
  );
  try {
    const failure = await get(portOf(server), {
      ...tlsClientOptions(s.client, authorizeId("spiffe://example.org/bank")),
      agent: false,
    }).then(() => undefined, (err) => err);
    assert.ok(failure instanceof AuthorizationError, `${failure}`);
    assert.equal(failure.code, "ERR_AUTHORIZATION");
    assert.equal(failure.message, `unexpected ID "${SERVER_ID}"`);
  } finally {
    await closeServer(server);
  }
});

Deno.test("https: mtlsWebServerOptions (web certificate) ↔ mtlsWebClientOptions", async () => {
  await using s = await agentAndSources();
  const pki = await makePki();
  const options = mtlsWebServerOptions(pki.webCertificate, s.server, authorizeId(CLIENT_ID));
  const server = await listening(bindSpiffeServer(createHttpsServer(options, greet), options));
  try {
    const reply = await get(portOf(server), {
      ...mtlsWebClientOptions(s.client, pki.webRoots),
      host: "localhost",
      agent: false,
    });
    assert.deepEqual(reply, { status: 200, body: `Hello ${CLIENT_ID}`, serverId: undefined });
  } finally {
    await closeServer(server);
  }
});

Deno.test({
  name: "https: a pooled keep-alive connection is not reused past another authorizer",
  fn: async () => {
    await using s = await agentAndSources();
    const options = tlsServerOptions(s.server);
    const server = await listening(
      bindSpiffeServer(createHttpsServer(options, (_req, res) => res.end("secret")), options),
    );
    const agent = new Agent({ keepAlive: true });
    try {
      const first = await get(portOf(server), {
        ...tlsClientOptions(s.client, authorizeAny()),
        agent,
      });
      assert.equal(first.body, "secret");
      await assert.rejects(
        get(portOf(server), {
          ...tlsClientOptions(s.client, authorizeId("spiffe://example.org/bank")),
          agent,
        }),
        AuthorizationError,
      );
    } finally {
      agent.destroy();
      await closeServer(server);
    }
  },
});

Deno.test({
  name: "https: client options work under NODE_EXTRA_CA_CERTS without --allow-sys",
  fn: async () => {
    await using s = await agentAndSources();
    const options = tlsServerOptions(s.server);
    const server = await listening(
      bindSpiffeServer(createHttpsServer(options, (_req, res) => res.end("hi")), options),
    );
    const before = Deno.env.get("NODE_EXTRA_CA_CERTS");
    Deno.env.set("NODE_EXTRA_CA_CERTS", before ?? "/etc/ssl/certs/ca-certificates.crt");
    try {
      const reply = await rawGet(portOf(server), {
        ...tlsClientOptions(s.client, authorizeId(SERVER_ID)),
        agent: false,
      });
      assert.equal(reply.body, "hi");
    } finally {
      if (before === undefined) Deno.env.delete("NODE_EXTRA_CA_CERTS");
      await closeServer(server);
    }
  },
});

/** One HTTP/2 GET on a session; resolves to the status (if a response came) and body. */
function http2Get(session: ClientHttp2Session): Promise<{ status?: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":path": "/" });
    let body = "";
    let status: number | undefined;
    stream.on("response", (headers) => (status = Number(headers[":status"])));
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => (body += chunk));
    stream.on("end", () => resolve({ status, body }));
    stream.on("error", reject);
    stream.end();
  });
}

/** Closes an HTTP/2 client session and waits for it. */
function closeSession(session: ClientHttp2Session): Promise<void> {
  if (session.closed) return Promise.resolve();
  return new Promise((resolve) => session.close(() => resolve()));
}

Deno.test("http2: createSecureServer + bindSpiffeServer ↔ http2.connect with mtlsClientOptions", async () => {
  await using s = await agentAndSources();
  const options = mtlsServerOptions(s.server, s.server, authorizeId(CLIENT_ID));
  const server = await listening(bindSpiffeServer(
    createSecureServer(
      options,
      (req, res) => res.end(`Hello ${peerIdFromSocket(req.socket as TLSSocket)}`),
    ),
    options,
  ));
  const session = http2Connect(`https://127.0.0.1:${portOf(server)}`, {
    ...mtlsClientOptions(s.client, s.client, authorizeId(SERVER_ID)),
  });
  try {
    const expected = { status: 200, body: `Hello ${CLIENT_ID}` };
    assert.deepEqual(await within(http2Get(session), "the HTTP/2 reply"), expected);
    assert.deepEqual(await within(http2Get(session), "a second stream"), expected);
    assert.equal(peerIdFromSocket(session.socket as TLSSocket).toString(), SERVER_ID);
  } finally {
    await closeSession(session);
    await closeServer(server as unknown as Server);
  }
});

Deno.test("http2: a refused client gets no response and the server reports it", async () => {
  await using s = await agentAndSources();
  const options = mtlsServerOptions(s.server, s.server, authorizeId("spiffe://example.org/other"));
  let handled = 0;
  const server = await listening(bindSpiffeServer(
    createSecureServer(options, (_req, res) => {
      handled++;
      res.end("secret");
    }),
    options,
  ));
  const refusals = new Recorder<Error>();
  server.on("tlsClientError", (err: Error) => refusals.push(err));
  const session = http2Connect(`https://127.0.0.1:${portOf(server)}`, {
    ...mtlsClientOptions(s.client, s.client, authorizeId(SERVER_ID)),
  });
  session.on("error", () => {/* the connection is torn down */});
  try {
    // The stream fails, or (Deno) ends without any response: no status, no body.
    const outcome = await within(
      http2Get(session).catch(() => ({ status: undefined, body: "" })),
      "the refused request",
    );
    assert.deepEqual(outcome, { status: undefined, body: "" });
    const err = await refusals.waitFor("the refusal");
    assert.ok(err instanceof AuthorizationError, `${err}`);
    assert.equal(err.message, `unexpected ID "${CLIENT_ID}"`);
    assert.equal(handled, 0);
  } finally {
    session.destroy();
    await closeServer(server as unknown as Server);
  }
});

Deno.test("tls: tlsServerOptions + bindSpiffeServer ↔ tls.connect with tlsClientOptions", async () => {
  const pki = await makePki();
  const svid = await svidFrom(pki.example, SERVER_ID);
  const options = tlsServerOptions(svid);
  const server = await listening(bindSpiffeServer(
    createServer(options, (socket) => {
      socket.resume();
      socket.end("Hello client\n");
    }),
    options,
  ));
  try {
    const socket = connect({
      host: "127.0.0.1",
      port: portOf(server),
      ...tlsClientOptions(pki.exampleBundle, authorizeId(SERVER_ID)),
    });
    assert.equal(await readLine(socket), "Hello client");
    assert.equal(peerIdFromSocket(socket).toString(), SERVER_ID);
    await closeSocket(socket);
  } finally {
    await closeServer(server);
  }
});

Deno.test("bindSpiffeServer: only spiffe-ts options, spread options keep their plan, binding twice is harmless", async () => {
  const pki = await makePki();
  const serverSvid = await svidFrom(pki.example, SERVER_ID);
  const clientSvid = await svidFrom(pki.example, CLIENT_ID);
  assert.throws(
    () => bindSpiffeServer(createServer({}), { cert: "", key: "" }),
    { name: "TypeError", message: "the options were not made by a spiffe-ts builder" },
  );

  let calls = 0;
  const counting: Authorizer = (id, chains) => {
    calls++;
    authorizeId(CLIENT_ID)(id, chains);
  };
  // Extra fields spread in, as users do; the SPIFFE plan travels along.
  const options = {
    ...mtlsServerOptions(serverSvid, pki.exampleBundle, counting),
    ALPNProtocols: ["hello/1"],
  };
  const server = createServer(options, (socket) => {
    socket.resume();
    socket.end(`${socket.alpnProtocol} ${peerIdFromSocket(socket)}\n`);
  });
  assert.equal(bindSpiffeServer(server, options), server);
  assert.equal(bindSpiffeServer(server, options), server);
  await listening(server);
  try {
    const socket = connect({
      host: "127.0.0.1",
      port: portOf(server),
      ALPNProtocols: ["hello/1"],
      ...mtlsClientOptions(clientSvid, pki.exampleBundle, authorizeId(SERVER_ID)),
    });
    assert.equal(await readLine(socket), `hello/1 ${CLIENT_ID}`);
    await closeSocket(socket);
    assert.equal(calls, 1, "the client was checked once per connection");
  } finally {
    await closeServer(server);
  }
});

Deno.test("peerIdFromSocket refuses a socket whose peer spiffe-ts did not verify", async () => {
  const pki = await makePki();
  const leaf = await pki.example.svid(SERVER_ID);
  const server = await listening(createServer({ cert: leaf.pem, key: leaf.keyPem }, (socket) => {
    socket.resume();
    socket.end("Hello client\n");
  }));
  try {
    // Plain node:tls trusting the same root: verified by OpenSSL's rules, not by ours.
    const socket = connect({
      host: "127.0.0.1",
      port: portOf(server),
      ca: [pki.example.cert.pem],
      checkServerIdentity: () => undefined,
    });
    assert.equal(await readLine(socket), "Hello client");
    assert.equal(socket.authorized, true);
    assertThrowsSpiffe(
      () => peerIdFromSocket(socket),
      X509SvidError,
      "ERR_X509_SVID",
      "x509svid: the socket's peer was not verified by spiffe-ts",
    );
    await closeSocket(socket);
  } finally {
    await closeServer(server);
  }
});

Deno.test("peerIdFromSocket refuses a socket whose peer certificate spiffe-ts never verified", async () => {
  const pki = await makePki();
  const leaf = await pki.example.svid("spiffe://example.org/never-checked");
  const server = await listening(createServer({ cert: leaf.pem, key: leaf.keyPem }, (socket) => {
    socket.resume();
    socket.end("Hello client\n");
  }));
  try {
    const unchecked = connect({
      host: "127.0.0.1",
      port: portOf(server),
      ca: [pki.example.cert.pem],
      checkServerIdentity: () => undefined,
    });
    assert.equal(await readLine(unchecked), "Hello client");
    try {
      assertThrowsSpiffe(
        () => peerIdFromSocket(unchecked),
        X509SvidError,
        "ERR_X509_SVID",
        "x509svid: the socket's peer was not verified by spiffe-ts",
      );
    } finally {
      await closeSocket(unchecked);
    }
  } finally {
    await closeServer(server);
  }
});
