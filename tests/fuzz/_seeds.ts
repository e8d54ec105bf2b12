// Real inputs the fuzz tests start from: a test CA's chain in each key type, and the
// library's own marshalled forms of them.
import { Buffer } from "node:buffer";
import { TestCa, type TestCert } from "../_helpers/ca.ts";

/** A root, an intermediate and an SVID leaf under it, for one key type. */
export interface Chain {
  root: TestCa;
  intermediate: TestCa;
  leaf: TestCert;
}

export const SVID_ID = "spiffe://example.org/workload";

/** A root → intermediate → leaf chain in `example.org`. */
export async function chain(keyAlgorithm: "P-256" | "P-384" | "RSA" | "Ed25519"): Promise<Chain> {
  const root = await TestCa.root("example.org", { keyAlgorithm });
  const intermediate = await root.intermediate("example.org", { keyAlgorithm });
  const leaf = await intermediate.svid(SVID_ID, { keyAlgorithm });
  return { root, intermediate, leaf };
}

/** PEM `CERTIFICATE` blocks of the given DER certificates. */
export function pemOf(...ders: Uint8Array[]): string {
  return ders.map((der) => {
    const lines = Buffer.from(der).toString("base64").match(/.{1,64}/g) ?? [];
    return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
  }).join("");
}
