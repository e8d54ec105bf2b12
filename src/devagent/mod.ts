/**
 * The devagent: an embedded SPIFFE Workload API with its own CA, for local runs and
 * tests without SPIRE. Import it from `@spiffe-ts/spiffe/devagent`; it is not part of the
 * main entry point, so clients never load certificate issuance code.
 *
 * @example
 * ```ts ignore
 * import { startDevAgent } from "@spiffe-ts/spiffe/devagent";
 *
 * await using agent = await startDevAgent({
 *   sockets: [{ path: "/tmp/agent.sock", spiffeId: "spiffe://example.org/server" }],
 * });
 * ```
 *
 * @module
 */
export {
  type DevAgent,
  type DevAgentOptions,
  type DevAgentSocket,
  startDevAgent,
} from "./agent.ts";
export { CertificateAuthority, type CertificateAuthorityOptions } from "./certificate_authority.ts";
export type { KeyType } from "./key_type.ts";
export type { X509SvidMessage, X509SvidResponseMessage } from "../workloadapi/wire_messages.ts";
