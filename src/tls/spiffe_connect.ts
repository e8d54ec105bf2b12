import { connect, type ConnectionOptions, type TLSSocket } from "node:tls";
import type { X509BundleSource } from "../bundle/source.ts";
import { X509SvidError } from "../errors.ts";
import type { Authorizer } from "./authorizer.ts";
import type { SpiffeClientConfig } from "./config.ts";
import { clientPlan, requireSide } from "./connection_options.ts";
import { readPeerChain, rememberPeer, type VerifiedPeer, verifyPeerChain } from "./peer.ts";
import { rememberSessionPeer, sessionPeer } from "./_sessions.ts";
import { assertSupportedRuntime } from "./_runtime_version.ts";
import { contextExtras, withoutContextFields } from "./_tls_options.ts";
import { holdErrors } from "./_held_errors.ts";

/**
 * Opens one TLS connection with a client config and resolves once the handshake finished
 * and the server was verified and authorized ({@linkcode verifyPeer}), so that no
 * application data moves before the check. This is the client handshake every spiffe-ts
 * client shares: `dialWithMode` is a thin layer over it, and it is what an `https.Agent`'s
 * `createConnection(options, callback)` or an undici connector calls. It works with any
 * `X509BundleSource`: one that cannot list its bundles is checked after the handshake only.
 * A resumed session (`session`) is verified again, against the current bundles, time and
 * authorizer; renegotiation is refused; an expired SVID is never presented.
 *
 * @param config A client config, e.g. `mtlsClientConfig(source, source, authorizer)`.
 * @param options `tls.connect` options: where to connect (`host`, `port`, `path` or
 * `socket`), `servername`, `ALPNProtocols`, `session`, and context fields (`maxVersion`,
 * `ciphers`...), which are built into the cached secure context. Fields that would replace
 * SPIFFE's credentials or checks (`ca`, `cert`, `key`, `pfx`, `secureContext`,
 * `checkServerIdentity`, `rejectUnauthorized`, ...) are refused.
 * @param signal Aborts the connect and handshake, rejecting with its reason.
 * @returns The connected socket; `peerIdFromSocket(socket)` names the server.
 * @throws {AuthorizationError} When the server's ID is refused (`unexpected ID "..."`).
 * @throws {X509SvidError} When the server's chain is not a valid X509-SVID of a trusted
 * trust domain, or the client's SVID has expired.
 * @throws {TypeError} For a config that is not a client config, or an option that cannot
 * be honoured.
 *
 * @example Connecting to a SPIFFE server
 * ```ts ignore
 * import { authorizeId, mtlsClientConfig, spiffeConnect, X509Source } from "@spiffe-ts/spiffe";
 *
 * const source = await X509Source.create();
 * const config = mtlsClientConfig(source, source, authorizeId("spiffe://example.org/server"));
 * const socket = await spiffeConnect(config, { host: "localhost", port: 8443 }, AbortSignal.timeout(10_000));
 * socket.end("Hello server\n");
 * ```
 */
export async function spiffeConnect(
  config: SpiffeClientConfig,
  options: ConnectionOptions = {},
  signal?: AbortSignal,
): Promise<TLSSocket> {
  requireSide(config, "client", "spiffeConnect");
  return await connectWith(config, options, signal, "spiffeConnect");
}

/** spiffeConnect, with errors naming its caller. */
export function connectWith(
  config: SpiffeClientConfig,
  options: ConnectionOptions,
  signal: AbortSignal | undefined,
  where: string,
): Promise<TLSSocket> {
  signal?.throwIfAborted();
  assertSupportedRuntime();
  const extras = contextExtras(options, "connect", where);
  let peer: VerifiedPeer | undefined;
  const plan = clientPlan(config, extras, (verified) => (peer = verified));
  return new Promise<TLSSocket>((resolve, reject) => {
    const socket = connect({ ...withoutContextFields(options), ...plan.options });
    holdErrors(socket);
    // Session tickets can arrive before the check (TLS 1.2) or after it (TLS 1.3).
    const sessions: Uint8Array[] = [];
    socket.on("session", (session: Uint8Array) => {
      if (peer === undefined) sessions.push(session);
      else rememberSessionPeer(session, peer.chain);
    });
    const fail = (err: unknown) => {
      signal?.removeEventListener("abort", abort);
      socket.destroy();
      reject(err);
    };
    const abort = () => fail(signal!.reason);
    signal?.addEventListener("abort", abort, { once: true });
    socket.once("error", fail);
    socket.once("secureConnect", () => {
      if (config.kind !== "mtls-web" && peer === undefined) {
        // Not checked during the handshake: a resumed session (node:tls skips
        // checkServerIdentity then) or a source that cannot list its bundles. Verify now,
        // before any data.
        try {
          peer = verifyAfterHandshake(
            socket,
            options.session,
            config.bundleSource,
            config.authorizer,
          );
        } catch (err) {
          fail(err);
          return;
        }
      }
      if (peer !== undefined) {
        for (const session of sessions) rememberSessionPeer(session, peer.chain);
        rememberPeer(socket, peer.id);
      }
      signal?.removeEventListener("abort", abort);
      socket.off("error", fail);
      resolve(socket);
    });
  });
}

/** The server of a connection, verified from its socket or from the chain behind its session. */
function verifyAfterHandshake(
  socket: TLSSocket,
  session: Uint8Array | undefined,
  bundleSource: X509BundleSource,
  authorizer: Authorizer,
): VerifiedPeer {
  const known = socket.isSessionReused() ? sessionPeer(session) : [];
  const chain = known.length > 0 ? known : readPeerChain(socket, "chain");
  if (chain.length === 0 && socket.isSessionReused()) {
    throw new X509SvidError(
      "x509svid: the server of a resumed TLS session cannot be verified again: its certificate is unknown",
    );
  }
  return verifyPeerChain(chain, bundleSource, authorizer);
}
