import type { Socket } from "node:net";
import type { Server, TlsOptions, TLSSocket } from "node:tls";
import type { X509BundleSource } from "../bundle/source.ts";
import type { X509SvidSource } from "../svid/x509_svid.ts";
import { type Authorizer, requireAuthorizer } from "./authorizer.ts";
import { listX509Bundles } from "./_bundles.ts";
import { currentSvid } from "./_credentials.ts";
import { contextKey, contextOptions, type ContextParts } from "./_secure_context.ts";
import { pickContextFields, spiffeContextOptions } from "./_tls_options.ts";
import { verifySocketPeer } from "./peer.ts";
import { sendRefusalAlert } from "./_refusal_alert.ts";

/** A web server certificate and key in PEM, for the `mtlsWeb*` server modes. */
export interface WebCertificate {
  /** The certificate chain in PEM. */
  cert: string;
  /** The private key in PEM. */
  key: string;
}

/** Where a SPIFFE server's credentials and peer checks come from. */
interface ServerPlan {
  svidSource?: X509SvidSource;
  webCertificate?: WebCertificate;
  /** Set when client certificates are required and checked. */
  clients?: { bundleSource: X509BundleSource; authorizer: Authorizer };
}

/** Where the plan travels inside the options (an enumerable symbol survives `{...spread}`). */
const PLAN = Symbol.for("spiffe-ts.serverPlan");
const BOUND = Symbol.for("spiffe-ts.boundServer");

/**
 * `node:tls` server options made by spiffe-ts. Besides the plain fields they carry the
 * SPIFFE plan (under a symbol key that survives `{ ...spread }`), which
 * {@linkcode bindSpiffeServer} installs on the server.
 */
export type SpiffeServerOptions = TlsOptions;

type WithPlan = TlsOptions & { [PLAN]?: ServerPlan };

function parts(plan: ServerPlan): ContextParts {
  return {
    svid: plan.svidSource ? currentSvid(plan.svidSource) : undefined,
    webCertificate: plan.webCertificate,
    bundles: plan.clients ? listX509Bundles(plan.clients.bundleSource) : undefined,
  };
}

function serverOptions(plan: ServerPlan): SpiffeServerOptions {
  const { cert, key } = contextOptions(parts(plan));
  const options: WithPlan = { cert, key, ...spiffeContextOptions({}), [PLAN]: plan };
  if (plan.clients) {
    requireAuthorizer(plan.clients.authorizer);
    // Fail closed until bindSpiffeServer installs the SPIFFE checks: with no CA at all,
    // no client certificate verifies, so an unbound server accepts no client.
    Object.assign(options, { requestCert: true, rejectUnauthorized: true, ca: [] });
  }
  return options;
}

/**
 * `node:tls` server options that present the X509-SVID and ask for no client certificate
 * (go-spiffe's `tlsconfig.TLSServerConfig`). Pass them to `tls.createServer`,
 * `https.createServer` or `http2.createSecureServer`, then call
 * {@linkcode bindSpiffeServer} so that each new connection gets the current SVID.
 *
 * @param svidSource Where the server's SVID comes from (an X509Source or an X509Svid).
 * @returns The options.
 *
 * @example
 * ```ts ignore
 * import { bindSpiffeServer, tlsServerOptions, X509Source } from "@spiffe-ts/spiffe";
 * import https from "node:https";
 *
 * const source = await X509Source.create();
 * const options = tlsServerOptions(source);
 * const server = bindSpiffeServer(https.createServer(options, (_req, res) => res.end("hi")), options);
 * server.listen(8443);
 * ```
 */
export function tlsServerOptions(svidSource: X509SvidSource): SpiffeServerOptions {
  return serverOptions({ svidSource });
}

/**
 * `node:tls` server options for SPIFFE mutual TLS (go-spiffe's
 * `tlsconfig.MTLSServerConfig`): present the X509-SVID, require a client X509-SVID that
 * anchors in the bundle of its own trust domain, and authorize its ID. Node has no
 * server-side hook for custom peer verification, so the checks are installed on the
 * server by {@linkcode bindSpiffeServer}; until then the options accept no client at all
 * (they fail closed).
 *
 * @param svidSource Where the server's SVID comes from.
 * @param bundleSource The bundles to trust for clients.
 * @param authorizer Decides on the client's SPIFFE ID.
 * @returns The options.
 * @throws {TypeError} Without an authorizer.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, bindSpiffeServer, mtlsServerOptions, X509Source } from "@spiffe-ts/spiffe";
 * import tls from "node:tls";
 *
 * const source = await X509Source.create();
 * const options = mtlsServerOptions(source, source, authorizeId("spiffe://example.org/client"));
 * const server = bindSpiffeServer(tls.createServer(options, (socket) => socket.end("hi\n")), options);
 * server.listen(55555);
 * ```
 */
export function mtlsServerOptions(
  svidSource: X509SvidSource,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): SpiffeServerOptions {
  return serverOptions({ svidSource, clients: { bundleSource, authorizer } });
}

/**
 * `node:tls` server options that present a Web PKI certificate and require a SPIFFE
 * client certificate (go-spiffe's `tlsconfig.MTLSWebServerConfig`). Bind them with
 * {@linkcode bindSpiffeServer}, as for {@linkcode mtlsServerOptions}.
 *
 * @param certificate The server's web certificate chain and key, in PEM.
 * @param bundleSource The bundles to trust for clients.
 * @param authorizer Decides on the client's SPIFFE ID.
 * @returns The options.
 * @throws {TypeError} Without an authorizer.
 *
 * @example
 * ```ts ignore
 * import { authorizeMemberOf, mtlsWebServerOptions, type BundleSource } from "@spiffe-ts/spiffe";
 *
 * declare const bundles: BundleSource, certPem: string, keyPem: string;
 * const options = mtlsWebServerOptions({ cert: certPem, key: keyPem }, bundles, authorizeMemberOf("example.org"));
 * ```
 */
export function mtlsWebServerOptions(
  certificate: WebCertificate,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): SpiffeServerOptions {
  return serverOptions({ webCertificate: certificate, clients: { bundleSource, authorizer } });
}

/**
 * Installs the SPIFFE checks of server options made by spiffe-ts on a `tls.Server` (or
 * an `https`/`http2` secure server built from them):
 *
 * - before each handshake, the server's secure context is brought up to date with the
 *   source (a rotated SVID or bundle is used without a restart; contexts are rebuilt only
 *   when the source changed);
 * - after each handshake that required a client certificate, the client's chain is
 *   verified against the bundle of its own trust domain and its ID authorized, before
 *   any `secureConnection` listener sees the socket. A refused client is destroyed and
 *   reported as a `tlsClientError` whose error is, e.g., `unexpected ID "spiffe://..."`.
 *
 * @param server The server created with `options`.
 * @param options The options from a spiffe-ts server builder.
 * @returns The same server.
 * @throws {TypeError} When `options` were not made by spiffe-ts.
 *
 * @example
 * ```ts ignore
 * import { authorizeAny, bindSpiffeServer, mtlsServerOptions, type X509Source } from "@spiffe-ts/spiffe";
 * import tls from "node:tls";
 *
 * declare const source: X509Source;
 * const options = mtlsServerOptions(source, source, authorizeAny());
 * const server = bindSpiffeServer(tls.createServer(options), options);
 * server.on("tlsClientError", (err) => console.log(`refused: ${err.message}`));
 * ```
 */
export function bindSpiffeServer<S extends Server>(server: S, options: SpiffeServerOptions): S {
  const plan = (options as WithPlan)[PLAN];
  if (plan === undefined) throw new TypeError("the options were not made by a spiffe-ts builder");
  const bound = server as S & { [BOUND]?: boolean };
  if (bound[BOUND]) return server;
  bound[BOUND] = true;

  let currentKey = "";
  const refresh = () => {
    const now = parts(plan);
    const key = contextKey(now);
    if (key === currentKey) return;
    currentKey = key;
    server.setSecureContext({
      ...contextOptions(now),
      // The caller's protocol and cipher choices survive every rotation.
      ...spiffeContextOptions(pickContextFields(options)),
      ...(plan.clients ? { requestCert: true, rejectUnauthorized: true } : {}),
    });
  };
  refresh();
  server.prependListener("connection", (socket: Socket) => {
    try {
      refresh();
    } catch (err) {
      // No valid SVID to present (e.g. it expired while the agent is away): refuse this
      // client and keep serving; the next connection tries again.
      socket.destroy();
      server.emit("tlsClientError", err, socket);
    }
  });
  // A client that failed its handshake (or stalled past handshakeTimeout) is dropped:
  // node:tls reports a timeout but leaves the connection open.
  server.on("tlsClientError", (_err: Error, socket: Socket) => socket.destroy());

  const clients = plan.clients;
  if (clients !== undefined) {
    const emit = server.emit as (event: string | symbol, ...args: unknown[]) => boolean;
    // Every `secureConnection` listener, the http servers' own included, only ever sees
    // clients that passed the SPIFFE checks.
    server.emit = function (this: S, event: string | symbol, ...args: unknown[]): boolean {
      if (event === "secureConnection") {
        const socket = args[0] as TLSSocket;
        try {
          verifySocketPeer(socket, clients.bundleSource, clients.authorizer);
        } catch (err) {
          sendRefusalAlert(socket);
          socket.destroy();
          return emit.call(this, "tlsClientError", err, socket);
        }
      }
      return emit.call(this, event, ...args);
    } as S["emit"];
  }
  return server;
}
