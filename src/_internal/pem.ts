/**
 * PEM (RFC 7468) reading and writing, just enough for certificate bundles.
 *
 * @module
 */
import { decodeBase64Strict, encodeBase64 } from "./base64.ts";

/** One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, ...) and its undecoded body. */
export interface PemBlock {
  /** The label between `BEGIN ` and the dashes. */
  type: string;
  /** The text between the BEGIN and END lines; decode it with {@linkcode decodePemBody}. */
  body: string;
}

const DASHES = "-----";
const BEGIN = "-----BEGIN ";
const END = "-----END ";

/**
 * Finds every PEM block in `text`, in order: `-----BEGIN X-----`, a body with no other BEGIN
 * marker, then the first `-----END X-----` after it. Text around blocks is ignored. Bodies are left undecoded so that
 * blocks of other types (an encrypted key with RFC 1421 headers, say) can be skipped without
 * being understood.
 *
 * The work is linear in the input whatever it holds: every marker is read once, and each BEGIN
 * finds its END through a per-label index instead of a scan (thousands of unterminated BEGIN
 * lines once made a regular expression take quadratic time).
 *
 * @param text The PEM text.
 * @returns The blocks; empty when there is none.
 */
export function findPemBlocks(text: string): PemBlock[] {
  const ends = new Map<string, number[]>();
  for (const { label, start } of markers(text, END)) {
    let positions = ends.get(label);
    if (positions === undefined) ends.set(label, positions = []);
    positions.push(start);
  }
  const begins = [...markers(text, BEGIN)];
  const next = new Map<string, number>(); // per label: index of the first END not yet passed
  const blocks: PemBlock[] = [];
  let cursor = 0;
  begins.forEach(({ label, start, end }, i) => {
    if (start < cursor) return; // inside the previous block's body
    const positions = ends.get(label);
    if (positions === undefined) return;
    let index = next.get(label) ?? 0;
    while (index < positions.length && positions[index] < end) index++;
    next.set(label, index);
    if (index === positions.length) return;
    const endStart = positions[index];
    // A BEGIN followed by another BEGIN before its END was never closed: the block
    // starts at the later one (so stray BEGIN lines cannot swallow a good block).
    if (i + 1 < begins.length && begins[i + 1].start < endStart) return;
    blocks.push({ type: label, body: text.slice(end, endStart) });
    cursor = endStart + END.length + label.length + DASHES.length;
  });
  return blocks;
}

/** Every `<prefix>LABEL-----` marker, with the label on one line, not starting with `-`. */
function* markers(
  text: string,
  prefix: string,
): Generator<{ label: string; start: number; end: number }> {
  for (let start = text.indexOf(prefix); start >= 0; start = text.indexOf(prefix, start + 1)) {
    const labelStart = start + prefix.length;
    // The label ends at the next dashes; another marker starts with dashes too, so this scan
    // never passes the next marker, and the whole loop stays linear.
    const labelEnd = text.indexOf(DASHES, labelStart);
    if (labelEnd <= labelStart) continue;
    const label = text.slice(labelStart, labelEnd);
    if (label.startsWith("-") || /[\r\n]/.test(label)) continue;
    yield { label, start, end: labelEnd + DASHES.length };
  }
}

/**
 * Decodes a PEM body: base64 with line breaks, no headers.
 *
 * @param body The text between the BEGIN and END lines.
 * @returns The bytes.
 * @throws {SyntaxError} When the body is not valid base64.
 */
export function decodePemBody(body: string): Uint8Array {
  return decodeBase64Strict(body.replace(/\s+/g, ""), "PEM block body");
}

/**
 * Encodes DER certificates as concatenated PEM `CERTIFICATE` blocks with 64-character lines, each
 * block ending in a newline (the layout of Go's `pem.EncodeToMemory`).
 *
 * @param ders The DER of each certificate.
 * @returns The PEM text; empty for no certificates.
 */
export function encodePemCertificates(ders: Iterable<Uint8Array>): string {
  let out = "";
  for (const der of ders) {
    const base64 = encodeBase64(der);
    out += "-----BEGIN CERTIFICATE-----\n";
    for (let i = 0; i < base64.length; i += 64) out += base64.slice(i, i + 64) + "\n";
    out += "-----END CERTIFICATE-----\n";
  }
  return out;
}
