// The server binding. Node has no server-side hook to check a client certificate during
// the handshake, and none that runs after the handshake but before the server's
// `secureConnection` listeners (the http and http2 servers' own included): node:tls emits
// that event from its own `secure` listener on each socket, on the server it was created
// by. So spiffeServer lets the server's TLS happen elsewhere, with public means only:
// - the runtime's TLS connection handler (the `connection` listener every node:tls server
//   gets from its constructor, one function shared by all servers in Node and in Deno, found
//   by identity through `listeners()`) is taken off the bound server;
// - each TCP connection it accepts is handed, with the documented
//   `server.emit("connection", socket)`, to a handshake server of ours built from the
//   config, which never listens, and whose secure context is brought up to date with the
//   sources before each connection;
// - a socket whose handshake finished is verified with verifyPeer and only then emitted as
//   `secureConnection` on the bound server; a refusal is emitted as `tlsClientError`.
// Every `secureConnection` listener of the bound server, present or added later, only ever
// sees verified sockets, with no method of the server replaced. The server's own ALPN
// setting (`ALPNProtocols`, `ALPNCallback`, as http2 sets it) carries over; its other
// TLS options are not used.
import type { Socket } from "node:net";
import { Server as TlsServer, type TlsOptions, type TLSSocket } from "node:tls";
import { X509SvidError } from "../errors.ts";
import type { SpiffeServerConfig } from "./config.ts";
import { requireSide, serverContextFor } from "./connection_options.ts";
import { verifyPeer } from "./peer.ts";
import { sendRefusalAlert } from "./_refusal_alert.ts";
import { assertSupportedRuntime } from "./_runtime_version.ts";
import { contextExtras, withoutContextFields } from "./_tls_options.ts";

/** Options of {@linkcode spiffeServer}. */
export interface SpiffeServerBindOptions {
  /**
   * Milliseconds a client may take to finish its handshake before it is dropped.
   *
   * @default {120000}
   */
  handshakeTimeout?: number;
  /**
   * More `node:tls` server options for the handshakes (`minVersion`, `maxVersion`,
   * `ciphers`, `ALPNProtocols`, `sessionTimeout`, ...). Context fields are kept across
   * rotations; fields that would replace SPIFFE's credentials or checks (`ca`, `cert`,
   * `key`, `pfx`, `secureContext`, `requestCert`, `rejectUnauthorized`, `SNICallback`, ...)
   * are refused. `ALPNProtocols` defaults to the server's own.
   *
   * @default {{}}
   */
  tlsOptions?: TlsOptions;
}

/** The node:tls servers spiffeServer bound, and to which config. */
const bound = new WeakMap<TlsServer, SpiffeServerConfig>();

let runtimeHandler: ((...args: unknown[]) => void) | undefined;

/** The runtime's own TLS `connection` handler, the same function on every node:tls server. */
function tlsConnectionHandler(): (...args: unknown[]) => void {
  runtimeHandler ??= new TlsServer().listeners("connection")[0] as (...args: unknown[]) => void;
  return runtimeHandler;
}

/**
 * What a failed handshake means: a client chain the TLS stack refused against the bundles
 * is reported by node:tls (Node and Deno) as a bare `socket hang up`, with the reason in
 * the socket's `authorizationError`; it becomes an X509SvidError naming that reason.
 */
function refusalOf(err: Error & { code?: string }, socket: TLSSocket): Error {
  const reason = socket.authorizationError as unknown;
  if (err.code !== "ECONNRESET" || typeof reason !== "string" || reason === "") return err;
  return new X509SvidError(
    `x509svid: the client's certificate chain does not verify against the bundles: ${reason}`,
    { cause: err },
  );
}

/** The ALPN setting node:tls servers keep from their constructor's options. */
interface AlpnSetting {
  ALPNProtocols?: TlsOptions["ALPNProtocols"];
  ALPNCallback?: TlsOptions["ALPNCallback"];
}

/**
 * Binds a `node:tls` server (`tls.createServer`, `https.createServer`,
 * `http2.createSecureServer`, or one made with the deprecated option builders) to a SPIFFE
 * server config: from then on its handshakes present the config's current SVID (a rotated
 * SVID or bundle is used from the next connection on, without a restart) and, for the
 * mutual kinds, require a client X509-SVID that anchors in the bundle of its own trust
 * domain and passes the authorizer. Only verified connections reach the server's
 * `secureConnection` listeners (and so its http or http2 handling); a refused client is
 * destroyed (TLS 1.2 clients get a `bad_certificate` alert) and reported as a
 * `tlsClientError` (`unexpected ID "spiffe://..."`); a client that fails or stalls its
 * handshake is dropped. Build the server without credentials (or with the options of the
 * deprecated builders): until it is bound it cannot complete a handshake.
 *
 * How: the server's own TLS connection handler is replaced by a hand-over of each TCP
 * connection to an internal handshake server, which emits verified sockets on the bound
 * server (Node has no server-side hook for custom peer verification; see the README's
 * "Mutual TLS" section). `server.setSecureContext()` and the `keylog`, `newSession`,
 * `resumeSession` and `OCSPRequest` events of the bound server have no effect on it.
 *
 * @param server A node:tls server, not listening yet or listening.
 * @param config A server config, e.g. `mtlsServerConfig(source, source, authorizer)`.
 * @param options `handshakeTimeout` and extra `tlsOptions`.
 * @returns The same server.
 * @throws {TypeError} For a config that is not a server config, a server that is not a
 * node:tls server or that is bound to another config, or a `tlsOptions` field that cannot
 * be honoured.
 * @throws {X509SvidError} When the SVID source's SVID has expired.
 *
 * @example An https server that lets one client in
 * ```ts ignore
 * import { authorizeId, mtlsServerConfig, peerIdFromSocket, spiffeServer, X509Source } from "@spiffe-ts/spiffe";
 * import https from "node:https";
 * import type { TLSSocket } from "node:tls";
 *
 * const source = await X509Source.create();
 * const config = mtlsServerConfig(source, source, authorizeId("spiffe://example.org/client"));
 * const server = spiffeServer(
 *   https.createServer((req, res) => res.end(`hello ${peerIdFromSocket(req.socket as TLSSocket)}`)),
 *   config,
 * );
 * server.on("tlsClientError", (err) => console.log(`refused: ${err.message}`));
 * server.listen(8443);
 * ```
 */
export function spiffeServer<S extends TlsServer>(
  server: S,
  config: SpiffeServerConfig,
  options: SpiffeServerBindOptions = {},
): S {
  requireSide(config, "server", "spiffeServer");
  assertSupportedRuntime();
  const already = bound.get(server);
  if (already === config) return server;
  if (already !== undefined) {
    throw new TypeError("spiffeServer: the server is already bound to another config");
  }
  const handler = tlsConnectionHandler();
  if (
    typeof server?.listeners !== "function" || !server.listeners("connection").includes(handler)
  ) {
    throw new TypeError(
      "spiffeServer: expected a node:tls server (tls.createServer, https.createServer, http2.createSecureServer)",
    );
  }
  const extras = contextExtras(options.tlsOptions, "server", "spiffeServer");
  const own = server as S & AlpnSetting;
  const alpn: AlpnSetting = options.tlsOptions?.ALPNProtocols || options.tlsOptions?.ALPNCallback
    ? {}
    : { ALPNProtocols: own.ALPNProtocols, ALPNCallback: own.ALPNCallback };
  let context = serverContextFor(config, extras);
  const handshakes = new TlsServer({
    ...withoutContextFields(options.tlsOptions),
    ...alpn,
    handshakeTimeout: options.handshakeTimeout ?? 120_000,
    ...context,
  });
  bound.set(server, config);

  server.removeListener("connection", handler);
  server.prependListener("connection", (raw: Socket) => {
    try {
      const next = serverContextFor(config, extras);
      if (next !== context) {
        handshakes.setSecureContext(next);
        context = next;
      }
    } catch (err) {
      // No valid SVID to present (e.g. it expired while the agent is away): refuse this
      // client and keep serving; the next connection tries again.
      raw.destroy();
      server.emit("tlsClientError", err, raw);
      return;
    }
    handshakes.emit("connection", raw);
  });
  // A client that failed its handshake (or stalled past handshakeTimeout) is dropped:
  // node:tls reports a timeout but leaves the connection open.
  handshakes.on("tlsClientError", (err: Error, socket: TLSSocket) => {
    socket.destroy();
    server.emit("tlsClientError", refusalOf(err, socket), socket);
  });
  handshakes.on("secureConnection", (socket: TLSSocket) => {
    if (config.kind !== "tls") {
      try {
        verifyPeer(socket, config.bundleSource, config.authorizer);
      } catch (err) {
        sendRefusalAlert(socket);
        socket.destroy();
        server.emit("tlsClientError", err, socket);
        return;
      }
    }
    server.emit("secureConnection", socket);
  });
  return server;
}
