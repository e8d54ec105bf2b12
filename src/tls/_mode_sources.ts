// Resolves the sources a mode needs: the given ones, or an X509Source made from the
// Workload API (owned: closed together with the connection or server).
import type { X509BundleSource } from "../bundle/source.ts";
import type { X509SvidSource } from "../svid/x509_svid.ts";
import { X509Source } from "../workloadapi/x509_source.ts";
import type { ClientMode, ServerMode } from "./mode.ts";

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
