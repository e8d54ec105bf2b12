// A strict, bounded DER TLV reader for the few raw pieces of a certificate that no
// library exposes byte for byte: the signed TBS bytes, the two AlgorithmIdentifiers
// compared for equality, the signature BIT STRING's unused-bits byte, and the ECDSA
// signature's own SEQUENCE. Everything else is read with @peculiar/asn1-x509.

/** One DER element: its tag, where its contents start and where it ends. */
export interface DerElement {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the element. */
  readonly end: number;
}

/** Thrown for bytes that are not strict DER; callers turn it into their own error. */
export class DerError extends Error {}

/**
 * Reads the element at `offset`, refusing high tag numbers, indefinite lengths, lengths
 * longer than needed (DER's minimal form) and elements that run past `limit`.
 */
export function readElement(bytes: Uint8Array, offset: number, limit = bytes.length): DerElement {
  if (offset + 2 > limit) throw new DerError("truncated element");
  const tag = bytes[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError("high tag numbers are not supported");
  const first = bytes[offset + 1];
  let contentStart = offset + 2;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw new DerError("indefinite length");
    if (count > 4) throw new DerError("length too long");
    if (contentStart + count > limit) throw new DerError("truncated length");
    if (bytes[contentStart] === 0) throw new DerError("length not minimally encoded");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i];
    if (length < 0x80) throw new DerError("length not minimally encoded");
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError("truncated contents");
  return { tag, start: offset, contentStart, end };
}

/** The elements directly inside a constructed element, in order. */
export function readChildren(bytes: Uint8Array, parent: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end;) {
    const child = readElement(bytes, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** The whole element's bytes (a view, no copy). */
export function elementBytes(bytes: Uint8Array, element: DerElement): Uint8Array {
  return bytes.subarray(element.start, element.end);
}

/** The element's content bytes (a view, no copy). */
export function contentBytes(bytes: Uint8Array, element: DerElement): Uint8Array {
  return bytes.subarray(element.contentStart, element.end);
}
