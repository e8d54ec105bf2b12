import { connect, type ConnectionOptions, type TLSSocket } from "node:tls";
import type { Authorizer } from "./authorizer.ts";
import { spiffeClientOptions, webClientOptions } from "./client_options.ts";
import { type ClientMode, mtlsClient } from "./mode.ts";
import { resolveSources } from "./_mode_sources.ts";
import { readPeerChain, rememberPeer, type VerifiedPeer, verifyPeerChain } from "./peer.ts";
import { rememberSessionPeer, sessionPeer } from "./_sessions.ts";
import { X509SvidError } from "../errors.ts";
import { assertSupportedRuntime } from "./_runtime_version.ts";
import { contextExtras, withoutContextFields } from "./_tls_options.ts";
import { holdErrors } from "./_held_errors.ts";

/** Where to dial. */
export interface DialAddress {
  /** Host name or IP address. */
  hostname: string;
  /** TCP port. */
  port: number;
}

/** Options of {@linkcode dialWithMode}. */
export interface DialOptions {
  /** Aborts the dial (connect and handshake). */
  signal?: AbortSignal;
  /**
   * Milliseconds the connect and handshake may take.
   *
   * @default {30000}
   */
  timeout?: number;
  /**
   * More `node:tls` connect options (e.g. `ALPNProtocols`, `servername`, `maxVersion`,
   * `ciphers`, `session`). Fields that shape the secure context are built into it; fields
   * that would replace SPIFFE's credentials or checks (`ca`, `cert`, `key`, `pfx`,
   * `secureContext`, `checkServerIdentity`, `rejectUnauthorized`, `host`, `port`, ...) are
   * refused. A resumed session is verified again, as a fresh one is.
   *
   * @default {{}}
   */
  tlsOptions?: ConnectionOptions;
}

/**
 * Dials a TLS server with one of go-spiffe's client modes and resolves once the
 * handshake finished and the server was verified and authorized (go-spiffe's
 * `spiffetls.DialWithMode`). A source the mode makes is closed with the socket.
 *
 * @param address The server's host name and port.
 * @param mode A client mode, e.g. `mtlsClientWithSource(authorizeId(id), source)`.
 * @param options `signal`, `timeout`, extra `tlsOptions`.
 * @returns The connected socket; `peerIdFromSocket(socket)` names the server.
 * @throws {AuthorizationError} When the server's ID is refused (`unexpected ID "..."`).
 * @throws {X509SvidError} When the server's chain is not a valid X509-SVID of a trusted
 * trust domain.
 * @throws {TypeError} For a `tlsOptions` field that cannot be honoured.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, dialWithMode, mtlsClientWithSource, X509Source } from "@spiffe-ts/spiffe";
 *
 * const source = await X509Source.create();
 * const socket = await dialWithMode(
 *   { hostname: "localhost", port: 55555 },
 *   mtlsClientWithSource(authorizeId("spiffe://example.org/server"), source),
 * );
 * socket.end("Hello server\n");
 * ```
 */
export async function dialWithMode(
  address: DialAddress,
  mode: ClientMode,
  options: DialOptions = {},
): Promise<TLSSocket> {
  options.signal?.throwIfAborted();
  assertSupportedRuntime();
  const extras = contextExtras(options.tlsOptions, "client", "dialWithMode");
  // A timer cleared when the dial settles (AbortSignal.timeout's could not be, and would
  // linger for the whole timeout after every dial).
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new DOMException("the dial timed out", "TimeoutError")),
    options.timeout ?? 30_000,
  );
  const signal = options.signal
    ? AbortSignal.any([deadline.signal, options.signal])
    : deadline.signal;
  let owned: Awaited<ReturnType<typeof resolveSources>>["owned"];
  try {
    const sources = await resolveSources(mode, signal);
    const { svidSource, bundleSource } = sources;
    owned = sources.owned;
    let peer: VerifiedPeer | undefined;
    const spiffeOptions = mode.kind === "mtls-web"
      ? webClientOptions(svidSource, mode.roots, extras)
      : spiffeClientOptions(
        mode.kind === "mtls" ? svidSource : undefined,
        bundleSource,
        mode.authorizer,
        (id) => (peer = id),
        extras,
      );
    // `ca`, the pool key and the session-cache fields are for https agents and undici;
    // tls.connect needs only the secure context and the check.
    const {
      ca: _ca,
      sessionIdContext: _poolKey,
      session: _noSession,
      maxCachedSessions: _noCache,
      ...connectOptions
    } = spiffeOptions as ConnectionOptions & { maxCachedSessions?: number };
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const socket = connect({
        ...withoutContextFields(options.tlsOptions),
        host: address.hostname,
        port: address.port,
        ...connectOptions,
      });
      holdErrors(socket);
      // Session tickets can arrive before the check (TLS 1.2) or after it (TLS 1.3).
      const sessions: Uint8Array[] = [];
      socket.on("session", (session: Uint8Array) => {
        if (peer === undefined) sessions.push(session);
        else rememberSessionPeer(session, peer.chain);
      });
      const fail = (err: unknown) => {
        signal.removeEventListener("abort", abort);
        socket.destroy();
        reject(err);
      };
      const abort = () => fail(signal.reason);
      signal.addEventListener("abort", abort, { once: true });
      socket.once("error", fail);
      socket.once("secureConnect", () => {
        if (mode.kind !== "mtls-web" && peer === undefined) {
          // node:tls skips checkServerIdentity when it resumes a session: verify the
          // server's chain again, against the current bundles and time, before any data.
          try {
            peer = verifyResumed(
              socket,
              options.tlsOptions?.session,
              bundleSource,
              mode.authorizer,
            );
          } catch (err) {
            fail(err);
            return;
          }
        }
        if (peer !== undefined) {
          for (const session of sessions) rememberSessionPeer(session, peer.chain);
        }
        signal.removeEventListener("abort", abort);
        socket.off("error", fail);
        resolve(socket);
      });
    });
    if (peer !== undefined) rememberPeer(socket, peer.id);
    if (owned) socket.once("close", () => void owned!.close());
    return socket;
  } catch (err) {
    await owned?.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The server of a resumed session, verified again from the chain behind the session. */
function verifyResumed(
  socket: TLSSocket,
  session: Uint8Array | undefined,
  bundleSource: Parameters<typeof verifyPeerChain>[1],
  authorizer: Parameters<typeof verifyPeerChain>[2],
): VerifiedPeer {
  const known = sessionPeer(session);
  const chain = known.length > 0 ? known : readPeerChain(socket, "chain");
  if (chain.length === 0) {
    throw new X509SvidError(
      "x509svid: the server of a resumed TLS session cannot be verified again: its certificate is unknown",
    );
  }
  return verifyPeerChain(chain, bundleSource, authorizer);
}

/**
 * Dials with mutual TLS using the Workload API at `SPIFFE_ENDPOINT_SOCKET` (go-spiffe's
 * `spiffetls.Dial`): `dialWithMode(address, mtlsClient(authorizer))`.
 *
 * @param address The server's host name and port.
 * @param authorizer Decides on the server's ID.
 * @param options `signal`, `timeout`, extra `tlsOptions`.
 * @returns The connected, authorized socket.
 *
 * @example
 * ```ts ignore
 * import { authorizeId, dial } from "@spiffe-ts/spiffe";
 *
 * const socket = await dial({ hostname: "localhost", port: 55555 }, authorizeId("spiffe://example.org/server"));
 * ```
 */
export function dial(
  address: DialAddress,
  authorizer: Authorizer,
  options?: DialOptions,
): Promise<TLSSocket> {
  return dialWithMode(address, mtlsClient(authorizer), options);
}
