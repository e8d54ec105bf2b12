// The three server streams of the Workload API as one table: what each is called in log
// lines, which RPC carries it, and how a message becomes a library value. The client's
// fetch, watch and iterate methods are each one line over this table.
import type { X509BundleSet } from "../bundle/x509_bundle_set.ts";
import type { JwtBundleSet } from "../bundle/jwt_bundle_set.ts";
import { SPIFFE_WORKLOAD_API } from "../_proto/methods.ts";
import { parseJwtBundlesResponse, parseX509BundlesResponse, parseX509Context } from "./_parse.ts";
import type { ClientMethod, EmptyRequest } from "./_transport.ts";
import type { BundlesResponseMessage, X509SvidResponseMessage } from "./wire_messages.ts";
import type { X509Context } from "./x509_context.ts";

/** One kind of Workload API stream and the value each of its messages becomes. */
export interface StreamKind<Msg, T> {
  /** For log lines and errors, e.g. `X.509 context`. */
  readonly name: string;
  /** The server-streaming RPC; its request is always empty. */
  readonly method: ClientMethod<EmptyRequest, Msg, true>;
  /** Parses one message (the complete state); throws to reject it. */
  readonly parse: (message: Msg) => T;
}

/** `FetchX509SVID`: SVIDs and bundles, as an {@linkcode X509Context}. */
export const X509_CONTEXT: StreamKind<X509SvidResponseMessage, X509Context> = {
  name: "X.509 context",
  method: SPIFFE_WORKLOAD_API.FetchX509SVID,
  parse: parseX509Context,
};

/** `FetchX509Bundles`: the X.509 bundles of every trust domain. */
export const X509_BUNDLES: StreamKind<BundlesResponseMessage, X509BundleSet> = {
  name: "X.509 bundles",
  method: SPIFFE_WORKLOAD_API.FetchX509Bundles,
  parse: parseX509BundlesResponse,
};

/** `FetchJWTBundles`: the JWT bundles of every trust domain. */
export const JWT_BUNDLES: StreamKind<BundlesResponseMessage, JwtBundleSet> = {
  name: "JWT bundles",
  method: SPIFFE_WORKLOAD_API.FetchJWTBundles,
  parse: parseJwtBundlesResponse,
};
