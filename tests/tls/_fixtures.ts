// What the spiffetls end-to-end tests share: a certificate world made with TestCa (two
// trust domains, a web PKI), the hello server and client of the seed scenario over real
// sockets, and small helpers to take servers and sockets down cleanly (leak tracing on).
import assert from "node:assert/strict";
import type { Server as NetServer, Socket } from "node:net";
import type { Server, TLSSocket } from "node:tls";
import {
  type DialAddress,
  type Logger,
  peerIdFromSocket,
  TrustDomain,
  X509Bundle,
  X509BundleSet,
  X509Source,
  X509Svid,
  X509SvidError,
} from "../../mod.ts";
import { type CertOptions, TestCa } from "../_helpers/ca.ts";
import { agentWith, delay, FAST_BACKOFF, Recorder, within } from "../_helpers/agent.ts";

export { Recorder, within };

export const SERVER_ID = "spiffe://example.org/server";
export const CLIENT_ID = "spiffe://example.org/client";
export const EXAMPLE = TrustDomain.parse("example.org");
export const OTHER = TrustDomain.parse("other.org");

/** Listen here: loopback, an ephemeral port. */
export const LOOPBACK = { hostname: "127.0.0.1", port: 0 } as const;

/** The port a listening server got. */
export function portOf(server: NetServer): number {
  const address = server.address();
  assert.ok(address !== null && typeof address === "object", "the server is not listening");
  return address.port;
}

/** Where to dial a server listening on loopback. */
export function addressOf(server: NetServer): DialAddress {
  return { hostname: "127.0.0.1", port: portOf(server) };
}

/** Closes a server and waits until its last connection is gone. */
export function closeServer(server: NetServer): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
  });
}

/** Resolves on the socket's `close` (whatever errors it emitted before). */
export function closed(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once("close", () => resolve()));
}

/** Destroys a socket and waits for its `close`. */
export async function closeSocket(socket: Socket): Promise<void> {
  const done = closed(socket);
  socket.destroy();
  await done;
}

/** The certificate world of the refusal tests: example.org, other.org and a web PKI. */
export interface Pki {
  example: TestCa;
  other: TestCa;
  web: TestCa;
  /** example.org's bundle only. */
  exampleBundle: X509Bundle;
  /** other.org's bundle only. */
  otherBundle: X509Bundle;
  /** Both trust domains' bundles. */
  both: X509BundleSet;
  /** A web server certificate for `localhost` (DNS SAN), issued by `web`. */
  webCertificate: { cert: string; key: string };
  /** `web`'s root in PEM, for the web clients. */
  webRoots: string[];
}

/** A fresh PKI (every test gets its own roots, so no cache carries over). */
export async function makePki(): Promise<Pki> {
  const example = await TestCa.root("example.org");
  const other = await TestCa.root("other.org");
  const web = await TestCa.root("web.test", { uris: [] });
  const exampleBundle = X509Bundle.fromAuthorities(EXAMPLE, [example.cert.cert]);
  const otherBundle = X509Bundle.fromAuthorities(OTHER, [other.cert.cert]);
  const webLeaf = await web.issue({ commonName: "localhost", dnsNames: ["localhost"] });
  return {
    example,
    other,
    web,
    exampleBundle,
    otherBundle,
    both: new X509BundleSet(exampleBundle.clone(), otherBundle.clone()),
    webCertificate: { cert: webLeaf.pem, key: webLeaf.keyPem },
    webRoots: [web.cert.pem],
  };
}

/** An X509Svid for `id` issued by `ca` (adjusted by `options`), with its chain. */
export async function svidFrom(
  ca: TestCa,
  id: string,
  options: CertOptions = {},
  intermediates: string[] = [],
): Promise<X509Svid> {
  const leaf = await ca.svid(id, options);
  return X509Svid.parse(leaf.pem + intermediates.join(""), leaf.keyPem);
}

/** What a hello server saw. */
export interface HelloLog {
  /** The SPIFFE IDs of the clients it answered (or `anonymous` in TLS server mode). */
  peers: string[];
  /** The first line each client sent. */
  lines: string[];
  /** Every `tlsClientError`: refused or broken clients. */
  refusals: Recorder<Error>;
  /** The server-side sockets that reached `secureConnection`. */
  sockets: TLSSocket[];
}

/**
 * Makes `server` the seed scenario's hello server: it reads one line from each client
 * that passed the checks and answers "Hello client".
 */
export function serveHello(server: Server): HelloLog {
  const log: HelloLog = { peers: [], lines: [], refusals: new Recorder(), sockets: [] };
  server.on("tlsClientError", (err: Error) => log.refusals.push(err));
  server.on("secureConnection", (socket: TLSSocket) => {
    log.sockets.push(socket);
    log.peers.push(
      socket.getPeerCertificate()?.raw === undefined
        ? "anonymous"
        : peerIdFromSocket(socket).toString(),
    );
    socket.on("error", () => socket.destroy());
    readLine(socket).then((line) => {
      socket.resume(); // drain the rest, so that the socket sees its end and closes
      if (line === "") return socket.end(); // the client went away without a word
      log.lines.push(line);
      socket.end("Hello client\n");
    }, () => socket.destroy());
  });
  return log;
}

/** The first line `socket` receives (without "\n"), or what it got before the end. */
export function readLine(socket: TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const done = (err?: Error) => {
      socket.off("data", onData).off("end", onEnd).off("close", onEnd).off("error", done);
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: Uint8Array | string) => {
      text += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
      const newline = text.indexOf("\n");
      if (newline >= 0) {
        text = text.slice(0, newline);
        done();
      }
    };
    const onEnd = () => done();
    socket.on("data", onData).on("end", onEnd).on("close", onEnd).on("error", done);
  });
}

/**
 * The client half of the seed scenario on a dialed socket: "Hello server" out, one line
 * back; then the socket is closed. Resolves to the server's answer.
 */
export async function hello(socket: TLSSocket): Promise<string> {
  try {
    const answer = readLine(socket);
    socket.write("Hello server\n");
    return await within(answer, "the server's answer");
  } finally {
    await closeSocket(socket);
  }
}

/**
 * What a refused client sees once its dial resolved (TLS 1.3 lets the client finish the
 * handshake before the server has checked its certificate): the connection ends or
 * fails without a byte of application data.
 */
export async function refusedAfterHandshake(socket: TLSSocket): Promise<Error | undefined> {
  const errors: Error[] = [];
  socket.on("error", (err) => errors.push(err));
  let received = "";
  socket.on("data", (chunk) => (received += chunk));
  socket.write("Hello server\n");
  await within(closed(socket), "the refused socket to close");
  assert.equal(received, "", "a refused client received application data");
  return errors[0];
}

/**
 * An X509Source on a devagent with 1 s SVIDs; `expire()` stops the agent and waits until
 * the source's last SVID has expired. Disposing it closes the source and the agent.
 */
export async function expiringSource(
  id: string,
): Promise<
  { source: X509Source; bundle: X509Bundle; expire(): Promise<void> } & AsyncDisposable
> {
  // Certificate times have whole seconds, so a 1 s TTL could leave a fresh SVID valid for
  // a few ms only; 3 s leaves room for a loaded machine while the test waits for expiry.
  const agent = await agentWith([id], { svidTtl: 3000 });
  const source = await X509Source.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  const bundle = agent.bundle;
  /** Stops the agent and waits until the source's SVID has expired. */
  const expire = async () => {
    await agent[Symbol.asyncDispose]();
    const expired = async () => {
      for (;;) {
        try {
          source.getX509Svid();
        } catch (err) {
          if (err instanceof X509SvidError) return;
          throw err;
        }
        await delay(50);
      }
    };
    await within(expired(), "the SVID to expire");
  };
  return {
    source,
    bundle,
    expire,
    async [Symbol.asyncDispose]() {
      await source.close();
      await agent[Symbol.asyncDispose]();
    },
  };
}

/** An X509Source whose agent is gone and whose SVID has expired. */
export async function expiredSource(
  id: string,
): Promise<{ source: X509Source; bundle: X509Bundle } & AsyncDisposable> {
  const expiring = await expiringSource(id);
  await expiring.expire();
  return expiring;
}

/** A logger that records info lines, warnings and errors (e.g. a live source's retries). */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug() {},
    // Retries are logged at info (warnings are for waits and rejected updates).
    info: (message) => lines.push(`info: ${message}`),
    warn: (message) => lines.push(`warn: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
  };
}

/**
 * A devagent with the server and client identities (socket 0 and 1) and an X509Source on
 * each; disposing it closes all three.
 */
export async function agentAndSources(
  options: { svidTtl?: number; authorityPropagation?: number } = {},
) {
  const agent = await agentWith([SERVER_ID, CLIENT_ID], options);
  const server = await X509Source.create({ address: agent.addresses[0], backoff: FAST_BACKOFF });
  const client = await X509Source.create({ address: agent.addresses[1], backoff: FAST_BACKOFF });
  return {
    agent,
    server,
    client,
    async [Symbol.asyncDispose]() {
      await server.close();
      await client.close();
      await agent[Symbol.asyncDispose]();
    },
  };
}
