// The certificate getters (go-spiffe's `tlsconfig.GetCertificate` and
// `GetClientCertificate`): node:tls options for the next connection, computed from a
// config's live sources each time they are asked for, so a rotated SVID or bundle is used
// from the next handshake on. Secure contexts are cached per SVID and bundle state.
import type { ConnectionOptions, PeerCertificate, TlsOptions } from "node:tls";
import { listedBundles } from "./_bundles.ts";
import { bundleAuthorities, currentSvid } from "./_credentials.ts";
import {
  contextKey,
  contextOptions,
  type ContextParts,
  secureContextFor,
} from "./_secure_context.ts";
import { type ContextExtras, contextExtras, spiffeContextOptions } from "./_tls_options.ts";
import type { SpiffeClientConfig, SpiffeServerConfig } from "./config.ts";
import { peerChain, type VerifiedPeer, verifyPeerChain } from "./peer.ts";

/** A client's options for one connection, and whether they check the server themselves. */
export interface ClientPlan {
  options: ConnectionOptions;
  /**
   * Whether node:tls runs the SPIFFE check during the handshake (`checkServerIdentity`, or
   * the Web PKI check); when false the server must be verified right after it.
   */
  checksInHandshake: boolean;
}

type ServerCheck = NonNullable<ConnectionOptions["checkServerIdentity"]>;

/** The SPIFFE check that replaces the hostname check: verify per trust domain, then authorize. */
function spiffeServerCheck(
  config: Extract<SpiffeClientConfig, { bundleSource: unknown }>,
  onVerified?: (peer: VerifiedPeer) => void,
): ServerCheck {
  return (_hostname: string, cert: PeerCertificate) => {
    try {
      // Not `onVerified?.(verifyPeerChain(...))`: an optional call skips evaluating its
      // arguments.
      const peer = verifyPeerChain(peerChain(cert), config.bundleSource, config.authorizer);
      onVerified?.(peer);
      return undefined;
    } catch (err) {
      return err as Error;
    }
  };
}

/** The check of a config that has no per-connection listener, made once per config. */
const sharedChecks = new WeakMap<SpiffeClientConfig, ServerCheck>();

/**
 * The node:tls options of a client config for its next connection, shaped by `extras`;
 * `onVerified` receives the server's ID and chain once the handshake's check passed.
 */
export function clientPlan(
  config: SpiffeClientConfig,
  extras: ContextExtras = {},
  onVerified?: (peer: VerifiedPeer) => void,
): ClientPlan {
  if (config.kind === "mtls-web") {
    return {
      options: {
        secureContext: secureContextFor(
          { svid: currentSvid(config.svidSource), roots: config.roots },
          extras,
        ),
        rejectUnauthorized: true,
      },
      checksInHandshake: true,
    };
  }
  const svid = config.kind === "mtls" ? currentSvid(config.svidSource) : undefined;
  const bundles = listedBundles(config.bundleSource);
  if (bundles === undefined) {
    // Verified after the handshake (see _bundles.ts): no roots at all, and no check here.
    return {
      options: {
        secureContext: secureContextFor({ svid, bundles: [] }, extras),
        rejectUnauthorized: false,
      },
      checksInHandshake: false,
    };
  }
  let check = onVerified ? spiffeServerCheck(config, onVerified) : sharedChecks.get(config);
  if (check === undefined) sharedChecks.set(config, check = spiffeServerCheck(config));
  return {
    options: {
      secureContext: secureContextFor({ svid, bundles }, extras),
      rejectUnauthorized: true,
      checkServerIdentity: check,
    },
    checksInHandshake: true,
  };
}

/**
 * The `node:tls` options for one new client connection of `config` (go-spiffe's
 * `GetClientCertificate` and `VerifyPeerCertificate` together): a secure context with the
 * SVID current now and the bundles as its only roots (cached per SVID and bundle state),
 * `rejectUnauthorized: true`, and a `checkServerIdentity` that replaces the host name check
 * by {@linkcode verifyPeer}, and the same roots as a plain `ca` (which an `https.Agent` would
 * otherwise fill from the default store). They work with any node:tls client (`tls.connect`,
 * `https.request`, `http2.connect`, grpc-js); ask again for each connection to follow
 * rotations. A resumed TLS session skips `checkServerIdentity` in node:tls: turn
 * resumption off, or verify the socket again with `verifyPeer` (as
 * {@linkcode spiffeConnect} does). The options hold no https-agent fields.
 *
 * @param config A client config, e.g. `mtlsClientConfig(source, source, authorizer)`.
 * @returns The options; spread them into your own (`host`, `port`, `ALPNProtocols`...).
 * @throws {TypeError} When the bundle source cannot list its bundles
 * (`X509BundleSource.getX509Bundles`): a plain node:tls client only runs the check after
 * the chain verified against them. Use {@linkcode spiffeConnect}, which verifies after the
 * handshake, for such a source.
 * @throws {X509SvidError} When the SVID source's SVID has expired.
 *
 * @example Connecting with node:tls
 * ```ts ignore
 * import { authorizeId, clientConnectionOptions, mtlsClientConfig, X509Source } from "@spiffe-ts/spiffe";
 * import tls from "node:tls";
 *
 * const source = await X509Source.create();
 * const config = mtlsClientConfig(source, source, authorizeId("spiffe://example.org/server"));
 * const socket = tls.connect({ host: "localhost", port: 8443, ...clientConnectionOptions(config) });
 * ```
 */
export function clientConnectionOptions(config: SpiffeClientConfig): ConnectionOptions {
  requireSide(config, "client", "clientConnectionOptions");
  const plan = clientPlan(config);
  if (!plan.checksInHandshake) {
    throw new TypeError(
      "clientConnectionOptions: the bundle source cannot list its bundles " +
        "(X509BundleSource.getX509Bundles), which node:tls needs as `ca` before it runs the " +
        "SPIFFE check; add that method to the source, or connect with spiffeConnect, which " +
        "verifies the server after the handshake",
    );
  }
  // The roots again as a plain `ca`: `secureContext` wins in node:tls, but an https
  // Agent that sees no `ca` reads the default store (Deno: it needs --allow-sys for that).
  const roots = config.kind === "mtls-web"
    ? config.roots?.slice()
    : bundleAuthorities(listedBundles(config.bundleSource)!);
  return roots === undefined ? plan.options : { ...plan.options, ca: roots };
}

/**
 * The secure-context options of a server (`cert`, `key`, `ca`, `minVersion`,
 * `secureOptions`, and for the mutual kinds `requestCert` and `rejectUnauthorized`), as
 * {@linkcode serverContextOptions} gives them.
 */
export type ServerContextOptions = Readonly<TlsOptions>;

const serverOptionsCache = new WeakMap<
  SpiffeServerConfig,
  { key: string; options: ServerContextOptions }
>();

/** What a server's context is made of now, and whether the bundles could be listed. */
function serverParts(config: SpiffeServerConfig): { parts: ContextParts; listed: boolean } {
  if (config.kind === "tls") {
    return { parts: { svid: currentSvid(config.svidSource) }, listed: false };
  }
  const listed = listedBundles(config.bundleSource);
  const bundles = listed ?? [];
  const parts = config.kind === "mtls"
    ? { svid: currentSvid(config.svidSource), bundles }
    : { webCertificate: config.certificate, bundles };
  return { parts, listed: listed !== undefined };
}

/**
 * The `node:tls` secure-context options a server of `config` needs for its next
 * connections (go-spiffe's `GetCertificate`): the SVID (or web certificate) current now,
 * and for the mutual kinds the bundles as the only roots with client certificates
 * required. The same object is returned while the sources are unchanged, so a caller can
 * compare it with the last one and call `server.setSecureContext()` only when it changed.
 * Installing these options does not check clients by SPIFFE: bind the server with
 * {@linkcode spiffeServer}, or verify each client with {@linkcode verifyPeer}.
 *
 * @param config A server config, e.g. `mtlsServerConfig(source, source, authorizer)`.
 * @param tlsOptions Context fields to build in (`minVersion`, `maxVersion`, `ciphers`...);
 * fields that would replace SPIFFE's credentials or checks are refused.
 * @returns The options (read-only).
 * @throws {X509SvidError} When the SVID source's SVID has expired.
 * @throws {TypeError} For a config that is not a server config, or a refused field.
 *
 * @example Following rotations on a server
 * ```ts ignore
 * import { serverContextOptions, tlsServerConfig, X509Source } from "@spiffe-ts/spiffe";
 * import tls from "node:tls";
 *
 * const source = await X509Source.create();
 * const config = tlsServerConfig(source);
 * const server = tls.createServer(serverContextOptions(config));
 * source.onUpdate(() => server.setSecureContext(serverContextOptions(config)));
 * ```
 */
export function serverContextOptions(
  config: SpiffeServerConfig,
  tlsOptions?: TlsOptions,
): ServerContextOptions {
  requireSide(config, "server", "serverContextOptions");
  return serverContextFor(config, contextExtras(tlsOptions, "server", "serverContextOptions"));
}

/** {@linkcode serverContextOptions} with checked extras (spiffeServer, per connection). */
export function serverContextFor(
  config: SpiffeServerConfig,
  extras: ContextExtras,
): ServerContextOptions {
  const { parts, listed } = serverParts(config);
  const extrasKey = Object.keys(extras).length === 0 ? "" : JSON.stringify(extras);
  const key = `${contextKey(parts)}|${listed}|${extrasKey}`;
  const cached = serverOptionsCache.get(config);
  if (cached?.key === key) return cached.options;
  const clients = config.kind === "tls" ? {} : {
    requestCert: true,
    // Refused by the TLS stack only when it holds the bundles (see _bundles.ts).
    rejectUnauthorized: listed,
  };
  const options = Object.freeze({
    ...contextOptions(parts),
    ...spiffeContextOptions(extras),
    ...clients,
  });
  serverOptionsCache.set(config, { key, options });
  return options;
}

/** Throws unless `config` is a config of `side`. */
export function requireSide(
  config: { side?: unknown },
  side: "client" | "server",
  where: string,
): void {
  if (config?.side !== side) {
    throw new TypeError(
      `${where}: expected a ${side} config (from ${
        side === "client"
          ? "tlsClientConfig, mtlsClientConfig"
          : "tlsServerConfig, mtlsServerConfig"
      }...)`,
    );
  }
}
