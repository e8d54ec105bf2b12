// Resolves the sources a mode needs: the given ones, or an X509Source made from the
// Workload API (owned: closed together with the connection or server); then the mode with
// its sources is a config.
import type { X509BundleSource } from "../bundle/source.ts";
import type { X509SvidSource } from "../svid/x509_svid.ts";
import { X509Source } from "../workloadapi/x509_source.ts";
import type { ClientMode, ServerMode } from "./mode.ts";
import {
  mtlsClientConfig,
  mtlsServerConfig,
  mtlsWebClientConfig,
  mtlsWebServerConfig,
  type SpiffeClientConfig,
  type SpiffeServerConfig,
  tlsClientConfig,
  tlsServerConfig,
} from "./config.ts";

export interface ResolvedSources {
  svidSource: X509SvidSource;
  bundleSource: X509BundleSource;
  /** The source made for this mode, if any; the caller closes it. */
  owned?: X509Source;
}

function needs(mode: ClientMode | ServerMode): { svid: boolean; bundles: boolean } {
  const svid = mode.side === "client" ? mode.kind !== "tls" : mode.kind !== "mtls-web";
  const bundles = mode.side === "client" ? mode.kind !== "mtls-web" : mode.kind !== "tls";
  return { svid, bundles };
}

/**
 * The mode's sources; makes an X509Source when the mode does not bring what it needs,
 * waiting for it no longer than `signal` allows.
 */
export async function resolveSources(
  mode: ClientMode | ServerMode,
  signal?: AbortSignal,
): Promise<ResolvedSources> {
  const need = needs(mode);
  const svidSource = mode.svidSource ?? mode.source;
  const bundleSource = mode.bundleSource ?? mode.source;
  if ((!need.svid || svidSource) && (!need.bundles || bundleSource)) {
    return {
      svidSource: svidSource as X509SvidSource,
      bundleSource: bundleSource as X509BundleSource,
    };
  }
  const options = mode.sourceOptions ?? {};
  const bounds = [options.signal, signal].filter((bound) => bound !== undefined);
  const owned = await X509Source.create({
    ...options,
    signal: bounds.length > 0 ? AbortSignal.any(bounds) : undefined,
  });
  return { svidSource: svidSource ?? owned, bundleSource: bundleSource ?? owned, owned };
}

/** A client mode with its sources, as a config. */
export function clientConfigFor(mode: ClientMode, sources: ResolvedSources): SpiffeClientConfig {
  switch (mode.kind) {
    case "tls":
      return tlsClientConfig(sources.bundleSource, mode.authorizer);
    case "mtls":
      return mtlsClientConfig(sources.svidSource, sources.bundleSource, mode.authorizer);
    case "mtls-web":
      return mtlsWebClientConfig(sources.svidSource, mode.roots);
  }
}

/** A server mode with its sources, as a config. */
export function serverConfigFor(mode: ServerMode, sources: ResolvedSources): SpiffeServerConfig {
  switch (mode.kind) {
    case "tls":
      return tlsServerConfig(sources.svidSource);
    case "mtls":
      return mtlsServerConfig(sources.svidSource, sources.bundleSource, mode.authorizer);
    case "mtls-web":
      return mtlsWebServerConfig(mode.certificate, sources.bundleSource, mode.authorizer);
  }
}
