// A small, deterministic fuzzing kit for the "throws only SpiffeError" contract (issue #8):
// a seeded PRNG, byte / string / JSON mutators, and `assertOnlySpiffeErrors`, which runs a
// parser over generated cases and fails, naming the seed and iteration of each distinct
// escape, if anything other than a SpiffeError comes out.
//
// Replaying: the seed fixes every mutation, but the seed inputs are certificates and keys
// minted afresh on each run, so `caseRng(seed, iteration)` repeats the mutation, not always
// the exact bytes. The first input of each kind of escape is therefore also saved to a
// temporary file, whose path the failure prints.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { SpiffeError } from "../../mod.ts";

// ---------------------------------------------------------------------------------------
// PRNG

/** mulberry32: a tiny, fast, well-mixed 32-bit generator. Same seed, same sequence. */
export class Rng {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform unsigned 32-bit integer. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in `[0, n)`; 0 when `n <= 0`. */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  /** A uniform integer in `[lo, hi]`. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/**
 * The generator of one case: derived from the test's seed and the iteration alone, so a
 * failing case is replayed with `caseRng(seed, iteration)` without running the others.
 */
export function caseRng(seed: number, iteration: number): Rng {
  return new Rng((seed ^ Math.imul(iteration + 1, 0x9e3779b9)) >>> 0);
}

// ---------------------------------------------------------------------------------------
// Cases

/** One fuzz input, with how it was made. */
export interface FuzzCase<T> {
  input: T;
  /** The mutations applied, e.g. `bitflip@17.3,truncate@200`. */
  mutation: string;
  iteration: number;
}

/** A generated input before it is numbered. */
export interface Mutant<T> {
  input: T;
  mutation: string;
}

/** `iterations` cases, each made by `make` from `caseRng(seed, i)`. */
export function* generateCases<T>(
  seed: number,
  iterations: number,
  make: (rng: Rng, iteration: number) => Mutant<T>,
): Generator<FuzzCase<T>> {
  for (let iteration = 0; iteration < iterations; iteration++) {
    const { input, mutation } = make(caseRng(seed, iteration), iteration);
    yield { input, mutation, iteration };
  }
}

// ---------------------------------------------------------------------------------------
// Byte mutators

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xfe, 0xff];
const DER_TAGS = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1f];
const DER_CONSTRUCTED_TAGS = [0x30, 0x31, 0xa0, 0xa1, 0xa3, 0x24, 0x3f];

/**
 * The offsets of the length octets of every TLV found by a best-effort DER walk (into
 * constructed values and into OCTET/BIT STRINGs, which often wrap DER in certificates).
 */
export function derLengthOffsets(der: Uint8Array, limit = 4096): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number, depth: number): void => {
    let pos = start;
    while (pos + 1 < end && out.length < limit) {
      const tag = der[pos];
      const lengthAt = pos + 1;
      let length = der[lengthAt];
      let header = 2;
      if (length & 0x80) {
        const count = length & 0x7f;
        if (count === 0 || count > 4 || lengthAt + count >= end) return;
        length = 0;
        for (let i = 1; i <= count; i++) length = length * 256 + der[lengthAt + i];
        header += count;
      }
      const bodyStart = pos + header;
      const bodyEnd = bodyStart + length;
      if (bodyEnd > end) return;
      out.push(lengthAt);
      if (depth < 24) {
        if (tag & 0x20) walk(bodyStart, bodyEnd, depth + 1);
        else if (tag === 0x04) walk(bodyStart, bodyEnd, depth + 1);
        else if (tag === 0x03 && length > 1) walk(bodyStart + 1, bodyEnd, depth + 1);
      }
      pos = bodyEnd;
    }
  };
  walk(0, der.length, 0);
  return out;
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

type ByteMutator = (rng: Rng, input: Uint8Array, corpus: readonly Uint8Array[]) => Mutant<
  Uint8Array
>;

const BYTE_MUTATORS: Record<string, ByteMutator> = {
  bitflip(rng, input) {
    if (input.length === 0) return { input: rng.bytes(1), mutation: "bitflip(empty)" };
    const out = input.slice();
    const at = rng.int(out.length);
    const bit = rng.int(8);
    out[at] ^= 1 << bit;
    return { input: out, mutation: `bitflip@${at}.${bit}` };
  },
  replace(rng, input) {
    if (input.length === 0) return { input: rng.bytes(1), mutation: "replace(empty)" };
    const out = input.slice();
    const at = rng.int(out.length);
    out[at] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.next() & 0xff;
    return { input: out, mutation: `replace@${at}=0x${out[at].toString(16)}` };
  },
  insert(rng, input) {
    const at = rng.int(input.length + 1);
    const extra = rng.bytes(rng.range(1, 16));
    return {
      input: concatBytes(input.subarray(0, at), extra, input.subarray(at)),
      mutation: `insert@${at}+${extra.length}`,
    };
  },
  delete(rng, input) {
    const at = rng.int(input.length);
    const count = rng.range(1, 16);
    return {
      input: concatBytes(input.subarray(0, at), input.subarray(at + count)),
      mutation: `delete@${at}-${count}`,
    };
  },
  truncate(rng, input) {
    const at = rng.int(input.length);
    return { input: input.slice(0, at), mutation: `truncate@${at}` };
  },
  duplicate(rng, input) {
    const from = rng.int(input.length);
    const to = Math.min(input.length, from + rng.range(1, 256));
    const at = rng.int(input.length + 1);
    return {
      input: concatBytes(input.subarray(0, at), input.subarray(from, to), input.subarray(at)),
      mutation: `duplicate[${from},${to})@${at}`,
    };
  },
  length(rng, input) {
    const offsets = derLengthOffsets(input);
    const at = offsets.length > 0 ? rng.pick(offsets) : rng.int(input.length);
    const out = input.slice();
    const value = rng.pick([0x80, 0x84, 0xff, 0x00, 0x81, 0x82, 0x83, 0x85, 0x88, -1, +1]);
    out[at] = value === -1 || value === 1 ? (out[at] + value) & 0xff : value;
    return { input: out, mutation: `length@${at}=0x${out[at].toString(16)}` };
  },
  tag(rng, input) {
    const offsets = derLengthOffsets(input);
    const at = offsets.length > 0 ? rng.pick(offsets) - 1 : rng.int(input.length);
    const out = input.slice();
    out[at] = rng.pick(rng.chance(0.5) ? DER_TAGS : DER_CONSTRUCTED_TAGS);
    return { input: out, mutation: `tag@${at}=0x${out[at].toString(16)}` };
  },
  zero(rng, input) {
    const out = input.slice();
    const from = rng.int(out.length);
    const to = Math.min(out.length, from + rng.range(1, 64));
    out.fill(rng.pick([0x00, 0xff]), from, to);
    return { input: out, mutation: `fill[${from},${to})` };
  },
  splice(rng, input, corpus) {
    const other = corpus.length > 0 ? rng.pick(corpus) : rng.bytes(64);
    const cut = rng.int(input.length + 1);
    const from = rng.int(other.length + 1);
    return {
      input: concatBytes(input.subarray(0, cut), other.subarray(from)),
      mutation: `splice@${cut}<-${from}`,
    };
  },
};

/**
 * Applies one to `maxRounds` random byte mutations (bit flips, byte replacement, insert,
 * delete, truncate, duplicate a slice, DER length/tag bytes set to 0x80/0x84/0xff and the
 * like, fills, splices with another corpus entry).
 */
export function mutateBytes(
  rng: Rng,
  input: Uint8Array,
  corpus: readonly Uint8Array[] = [],
  maxRounds = 3,
): Mutant<Uint8Array> {
  const names = Object.keys(BYTE_MUTATORS);
  let bytes = input;
  const steps: string[] = [];
  for (let round = rng.range(1, maxRounds); round > 0; round--) {
    // Most mutators need a byte to work on; an empty input can only grow.
    const name = bytes.length === 0 ? rng.pick(["insert", "splice"]) : rng.pick(names);
    const { input: next, mutation } = BYTE_MUTATORS[name](rng, bytes, corpus);
    bytes = next;
    steps.push(mutation);
  }
  return { input: bytes, mutation: steps.join(",") };
}

/**
 * Rewrites the outer `30 82 LL LL` header of a mutated certificate to its actual length, so
 * that an insert or delete inside it reaches the certificate parser instead of being
 * caught by the DER splitter. Inputs without that header come back unchanged.
 */
export function refitOuterLength(der: Uint8Array): Uint8Array {
  if (der.length < 4 || der[0] !== 0x30 || der[1] !== 0x82) return der;
  const length = der.length - 4;
  if (length > 0xffff) return der;
  const out = der.slice();
  out[2] = length >> 8;
  out[3] = length & 0xff;
  return out;
}

// ---------------------------------------------------------------------------------------
// String mutators

/** Characters that break parsers: separators, controls, lookalikes, surrogates, RTL marks. */
export const NASTY_CHARS = [
  "/",
  ".",
  "..",
  ":",
  "@",
  "?",
  "#",
  "%",
  "%2F",
  "%00",
  "\\",
  "-",
  "_",
  " ",
  "\t",
  "\n",
  "\r",
  "\0",
  "\x7f",
  "A",
  "Z",
  "é",
  "\u0130",
  "\u212a",
  "ß",
  "\uFFFD",
  "\uD800",
  "\uDC00",
  "\u202E",
  "\u200B",
  "\uFEFF",
  "😀",
  "=",
  "+",
  "{",
  "}",
  "[",
  "]",
  '"',
  "'",
  ",",
];

type StringMutator = (rng: Rng, input: string, corpus: readonly string[]) => Mutant<string>;

function randomChars(rng: Rng, count: number): string {
  let out = "";
  for (let i = 0; i < count; i++) {
    out += rng.chance(0.6)
      ? rng.pick(NASTY_CHARS)
      : String.fromCharCode(rng.chance(0.8) ? rng.range(0x20, 0x7e) : rng.range(0, 0xffff));
  }
  return out;
}

const STRING_MUTATORS: Record<string, StringMutator> = {
  replaceChar(rng, input) {
    const at = rng.int(input.length);
    const chars = randomChars(rng, 1);
    return {
      input: input.slice(0, at) + chars + input.slice(at + 1),
      mutation: `char@${at}=${JSON.stringify(chars)}`,
    };
  },
  insertChars(rng, input) {
    const at = rng.int(input.length + 1);
    const chars = randomChars(rng, rng.range(1, 4));
    return {
      input: input.slice(0, at) + chars + input.slice(at),
      mutation: `ins@${at}=${JSON.stringify(chars)}`,
    };
  },
  deleteChars(rng, input) {
    const at = rng.int(input.length);
    const count = rng.range(1, 8);
    return { input: input.slice(0, at) + input.slice(at + count), mutation: `del@${at}-${count}` };
  },
  truncate(rng, input) {
    const at = rng.int(input.length);
    return { input: input.slice(0, at), mutation: `cut@${at}` };
  },
  duplicate(rng, input) {
    const from = rng.int(input.length);
    const to = Math.min(input.length, from + rng.range(1, 64));
    const at = rng.int(input.length + 1);
    return {
      input: input.slice(0, at) + input.slice(from, to) + input.slice(at),
      mutation: `dup[${from},${to})@${at}`,
    };
  },
  flipCase(rng, input) {
    const at = rng.int(input.length);
    const c = input.charAt(at);
    const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
    return { input: input.slice(0, at) + flipped + input.slice(at + 1), mutation: `case@${at}` };
  },
  huge(rng, input) {
    const at = rng.int(input.length + 1);
    const unit = rng.pick(["a", "/a", "é", "%41", "\uD800", "."]);
    const count = rng.pick([255, 256, 2048, 2049, 70_000]);
    return {
      input: input.slice(0, at) + unit.repeat(count) + input.slice(at),
      mutation: `huge@${at}=${JSON.stringify(unit)}x${count}`,
    };
  },
  splice(rng, input, corpus) {
    const other = corpus.length > 0 ? rng.pick(corpus) : randomChars(rng, 16);
    const cut = rng.int(input.length + 1);
    const from = rng.int(other.length + 1);
    return { input: input.slice(0, cut) + other.slice(from), mutation: `splice@${cut}<-${from}` };
  },
};

/** Applies one to `maxRounds` random character-level mutations. */
export function mutateString(
  rng: Rng,
  input: string,
  corpus: readonly string[] = [],
  maxRounds = 3,
): Mutant<string> {
  const names = Object.keys(STRING_MUTATORS);
  let text = input;
  const steps: string[] = [];
  for (let round = rng.range(1, maxRounds); round > 0; round--) {
    const name = text.length === 0 ? rng.pick(["insertChars", "splice"]) : rng.pick(names);
    const { input: next, mutation } = STRING_MUTATORS[name](rng, text, corpus);
    text = next;
    steps.push(mutation);
  }
  return { input: text, mutation: steps.join(",") };
}

// ---------------------------------------------------------------------------------------
// JSON mutators

/** JSON text inserted verbatim by {@linkcode stringifyJson}: huge numbers, duplicate keys. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A JSON value tree that may hold {@linkcode RawJson} leaves. */
export type JsonTree =
  | null
  | boolean
  | number
  | string
  | RawJson
  | JsonTree[]
  | { [key: string]: JsonTree };

/** `JSON.stringify`, except that {@linkcode RawJson} is written as is. */
export function stringifyJson(value: JsonTree): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) =>
      `${JSON.stringify(k)}:${stringifyJson(v)}`
    );
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function deepNest(depth: number, open: string, close: string, inner = "1"): RawJson {
  return new RawJson(open.repeat(depth) + inner + close.repeat(depth));
}

/** Values of every JSON type at their edges. */
export function interestingJson(rng: Rng): JsonTree {
  switch (rng.int(6)) {
    case 0:
      return rng.pick([null, true, false, 0, -1, 1, 1.5, -0.5, 2 ** 31, 2 ** 53, -(2 ** 63)]);
    case 1:
      return new RawJson(
        rng.pick([
          "1e400",
          "-1e400",
          "1e-400",
          "-0",
          "9007199254740993",
          "18446744073709551616",
          "99999999999999999999999999999999999999",
          "0.0000000000000000000000000001",
          "1E2",
          "123456789012345678901234567890e-20",
        ]),
      );
    case 2:
      return rng.pick([
        "",
        " ",
        "a",
        "\u0000",
        "\uD800",
        "é",
        "😀",
        "spiffe://example.org",
        "spiffe://example.org/workload",
        "x509-svid",
        "jwt-svid",
        "EC",
        "RSA",
        "OKP",
        "oct",
        "P-256",
        "Ed25519",
        "ES256",
        "none",
        "__proto__",
        "AAAA",
        "AA==",
        "!!!",
      ]);
    case 3:
      return rng.pick<JsonTree>([[], [null], [1, "a"], [[]], ["a".repeat(10_000)], {}, { a: 1 }]);
    case 4:
      return rng.pick([
        deepNest(rng.pick([64, 2_000, 20_000]), "[", "]"),
        deepNest(rng.pick([64, 2_000, 20_000]), '{"a":', "}"),
      ]);
    default:
      return "x".repeat(rng.pick([256, 4096, 100_000]));
  }
}

type Path = (string | number)[];

function containers(value: JsonTree, path: Path = [], out: Path[] = []): Path[] {
  if (value instanceof RawJson || value === null || typeof value !== "object") return out;
  out.push(path);
  if (out.length > 512) return out;
  if (Array.isArray(value)) value.forEach((v, i) => containers(v, [...path, i], out));
  else for (const [k, v] of Object.entries(value)) containers(v, [...path, k], out);
  return out;
}

function at(value: JsonTree, path: Path): JsonTree {
  let node = value;
  for (const step of path) node = (node as Record<string | number, JsonTree>)[step];
  return node;
}

function retype(rng: Rng, value: JsonTree): JsonTree {
  if (typeof value === "string") {
    return rng.pick<JsonTree>([Number(value) || 1, [value], { value }, null, true]);
  }
  if (typeof value === "number") return rng.pick<JsonTree>([String(value), [value], null, false]);
  if (Array.isArray(value)) return rng.pick<JsonTree>([value[0] ?? null, { ...value }, "[]"]);
  if (value !== null && typeof value === "object") {
    return rng.pick<JsonTree>([[value], Object.values(value), "object"]);
  }
  return rng.pick<JsonTree>(["true", 1, [], {}]);
}

/**
 * One structural mutation of `tree` (cloned): drop, replace or retype a member or element,
 * add members, duplicate a key, nest deep, duplicate or empty arrays, swap in a value
 * from elsewhere in the tree.
 */
export function mutateJsonTree(rng: Rng, tree: JsonTree): Mutant<JsonTree> {
  const root = structuredCloneTree(tree);
  const places = containers(root);
  if (places.length === 0) return { input: interestingJson(rng), mutation: "replace-root" };
  const path = rng.pick(places);
  const node = at(root, path) as JsonTree[] | Record<string, JsonTree>;
  const where = path.join(".") || "$";
  const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
  const key = keys.length > 0 ? rng.pick(keys as (string | number)[]) : undefined;
  const set = (k: string | number, v: JsonTree) => {
    (node as Record<string | number, JsonTree>)[k] = v;
  };
  const get = (k: string | number) => (node as Record<string | number, JsonTree>)[k];
  switch (rng.int(8)) {
    case 0:
      if (key === undefined) break;
      if (Array.isArray(node)) node.splice(key as number, 1);
      else delete node[key as string];
      return { input: root, mutation: `drop ${where}.${key}` };
    case 1:
    case 2:
      if (key === undefined) break;
      set(key, interestingJson(rng));
      return { input: root, mutation: `replace ${where}.${key}` };
    case 3:
      if (key === undefined) break;
      set(key, retype(rng, get(key)));
      return { input: root, mutation: `retype ${where}.${key}` };
    case 4:
      if (Array.isArray(node)) {
        const copies = rng.pick([1, 2, 100]);
        for (let i = 0; i < copies; i++) node.push(structuredCloneTree(node[rng.int(node.length)]));
        return { input: root, mutation: `grow ${where} x${copies}` };
      }
      set(
        rng.pick(["kty", "use", "kid", "x5c", "crv", "x", "n", "e", "keys", "extra"]),
        interestingJson(rng),
      );
      return { input: root, mutation: `add-member ${where}` };
    case 5: {
      if (key === undefined || Array.isArray(node)) break;
      const text = stringifyJson(node);
      const dup = `${JSON.stringify(key)}:${stringifyJson(interestingJson(rng))}`;
      const replacement = new RawJson(text === "{}" ? `{${dup}}` : `${text.slice(0, -1)},${dup}}`);
      if (path.length === 0) return { input: replacement, mutation: `dup-key $.${key}` };
      const parent = at(root, path.slice(0, -1)) as Record<string | number, JsonTree>;
      parent[path[path.length - 1]] = replacement;
      return { input: root, mutation: `dup-key ${where}.${key}` };
    }
    case 6:
      if (key === undefined) break;
      set(key, deepNest(rng.pick([32, 1_000, 10_000]), "[", "]", stringifyJson(get(key))));
      return { input: root, mutation: `nest ${where}.${key}` };
    default: {
      if (key === undefined) break;
      const other = rng.pick(places);
      set(key, structuredCloneTree(at(root, other)));
      return { input: root, mutation: `swap ${where}.${key}<-${other.join(".") || "$"}` };
    }
  }
  return { input: interestingJson(rng), mutation: `replace-empty ${where}` };
}

function structuredCloneTree(value: JsonTree): JsonTree {
  if (value instanceof RawJson || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(structuredCloneTree);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structuredCloneTree(v)]));
}

/** JSON text mutated structurally (one to three rounds) or, sometimes, character by character. */
export function mutateJsonText(rng: Rng, json: string, corpus: readonly string[] = []): Mutant<
  string
> {
  if (rng.chance(0.25)) return mutateString(rng, json, corpus);
  let tree = JSON.parse(json) as JsonTree;
  const steps: string[] = [];
  for (let round = rng.range(1, 3); round > 0; round--) {
    const { input, mutation } = mutateJsonTree(rng, tree);
    tree = input;
    steps.push(mutation);
    if (tree instanceof RawJson) break;
  }
  return { input: stringifyJson(tree), mutation: steps.join(",") };
}

// ---------------------------------------------------------------------------------------
// The assertion

/** A preview of an input for failure messages: hex for bytes, quoted text for strings. */
export function preview(input: unknown, max = 96): string {
  if (input instanceof Uint8Array) {
    const hex = Buffer.from(input.subarray(0, max / 2)).toString("hex");
    return `${input.length} bytes: ${hex}${input.length > max / 2 ? "..." : ""}`;
  }
  if (typeof input === "string") {
    const quoted = JSON.stringify(input.length > max ? input.slice(0, max) : input);
    return `${input.length} chars: ${quoted}${input.length > max ? "..." : ""}`;
  }
  if (Array.isArray(input)) {
    return `[${input.map((item) => preview(item, 32)).join("; ")}]`.slice(0, max * 4);
  }
  try {
    return JSON.stringify(input, (_k, v) => v instanceof Uint8Array ? preview(v, 32) : v).slice(
      0,
      max * 4,
    );
  } catch {
    return String(input);
  }
}

function topFrames(err: unknown): { src: string; top: string } {
  const lines = (err instanceof Error && err.stack ? err.stack : "").split("\n").slice(1)
    .map((line) => line.trim());
  const src = lines.find((line) => line.includes("/src/")) ?? "(no frame in src/)";
  return { src, top: lines[0] ?? "(no stack)" };
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const name = err.constructor?.name ?? err.name;
    const code = (err as { code?: unknown }).code;
    return `${name}${code === undefined ? "" : ` [${String(code)}]`}: ${err.message}`;
  }
  return `non-Error ${typeof err}: ${String(err)}`;
}

/**
 * Writes a failing input to a temporary file, so that it can be replayed byte for byte
 * even though the seeds are re-issued with fresh keys on every run. Bytes are written raw,
 * strings as UTF-8, anything else as JSON with byte arrays in base64. Without write
 * permission nothing is saved.
 */
function saveInput(input: unknown, seed: number, iteration: number): string | undefined {
  try {
    const bytes = input instanceof Uint8Array ? input : new TextEncoder().encode(
      typeof input === "string"
        ? input
        : JSON.stringify(input, (_key, value) =>
          value instanceof Uint8Array
            ? { base64: Buffer.from(value).toString("base64") }
            : value?.constructor?.name === "X509Certificate"
            ? { pem: String(value.toString()) }
            : value),
    );
    const path = Deno.makeTempFileSync({
      prefix: `spiffe-fuzz-${seed.toString(16)}-${iteration}-`,
      suffix: ".bin",
    });
    Deno.writeFileSync(path, bytes);
    return path;
  } catch {
    return undefined;
  }
}

/** What a run of {@linkcode assertOnlySpiffeErrors} saw. */
export interface FuzzStats {
  runs: number;
  accepted: number;
  /** Rejections by error code. */
  rejected: Map<string, number>;
}

/** Options of {@linkcode assertOnlySpiffeErrors}. */
export interface FuzzOptions<T> {
  /** The seed the cases came from, printed so a failure can be replayed. */
  seed: number;
  /** The subclass the parser documents; any other SpiffeError fails too. */
  expected?: abstract new (...args: never[]) => SpiffeError;
  /** A hang detector: one input taking longer than this fails. @default 2000 */
  maxMsPerInput?: number;
  /** How to show an input. @default preview */
  show?: (input: T) => string;
}

interface Escape {
  kind: string;
  count: number;
  first: string;
}

/**
 * Runs `fn` on every case and fails if any throws (or rejects with) something other than
 * a SpiffeError (or `options.expected`), or takes longer than `maxMsPerInput`. Escapes are
 * grouped by class, message shape and throwing frame in `src/`; the failure lists each
 * group with the seed, iteration, mutation and a preview of its first input.
 */
export async function assertOnlySpiffeErrors<T>(
  fn: (input: T) => unknown,
  cases: Iterable<FuzzCase<T>>,
  options: FuzzOptions<T>,
): Promise<FuzzStats> {
  const { seed, expected = SpiffeError, maxMsPerInput = 2000, show = preview } = options;
  const stats: FuzzStats = { runs: 0, accepted: 0, rejected: new Map() };
  const escapes = new Map<string, Escape>();
  const record = (kind: string, item: FuzzCase<T>, detail: string) => {
    const escape = escapes.get(kind);
    if (escape) {
      escape.count++;
      return;
    }
    const saved = saveInput(item.input, seed, item.iteration);
    escapes.set(kind, {
      kind,
      count: 1,
      first: `seed=0x${seed.toString(16)} iteration=${item.iteration} mutation=${item.mutation}\n` +
        `      input: ${show(item.input)}${saved ? `\n      saved: ${saved}` : ""}\n${detail}`,
    });
  };
  // Deep library stacks (asn1-schema, node:crypto) would otherwise hide the frame in src/.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  try {
    for (const item of cases) await runOne(item);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  async function runOne(item: FuzzCase<T>): Promise<void> {
    stats.runs++;
    const started = performance.now();
    let thrown: unknown;
    let threw = false;
    try {
      await fn(item.input);
    } catch (err) {
      thrown = err;
      threw = true;
    }
    const elapsed = performance.now() - started;
    if (elapsed > maxMsPerInput) {
      record(`hang > ${maxMsPerInput} ms`, item, `      took ${elapsed.toFixed(0)} ms`);
    }
    if (!threw) {
      stats.accepted++;
      return;
    }
    if (thrown instanceof expected) {
      const code = (thrown as SpiffeError).code;
      stats.rejected.set(code, (stats.rejected.get(code) ?? 0) + 1);
      return;
    }
    const { src, top } = topFrames(thrown);
    const shape = describe(thrown).replace(/\d+/g, "N").slice(0, 160);
    const kind = thrown instanceof SpiffeError
      ? `wrong SpiffeError subclass (expected ${expected.name}): ${shape}`
      : shape;
    const cause = thrown instanceof Error && thrown.cause !== undefined
      ? `\n      cause: ${describe(thrown.cause)}`
      : "";
    record(
      `${kind} @ ${src}`,
      item,
      `      thrown: ${describe(thrown)}${cause}\n      src frame: ${src}\n      top frame: ${top}`,
    );
  }
  if (escapes.size > 0) {
    const report = [...escapes.values()].map((escape, i) =>
      `  ${i + 1}. ${escape.kind} (x${escape.count})\n      first: ${escape.first}`
    );
    assert.fail(
      `${escapes.size} kind(s) of non-${expected.name} escape in ${stats.runs} inputs ` +
        `(seed 0x${seed.toString(16)}; replay one with caseRng(seed, iteration)):\n` +
        report.join("\n"),
    );
  }
  return stats;
}

/** Asserts that the fuzzing reached the error paths at all (a harness sanity check). */
export function assertExercised(stats: FuzzStats, label: string): void {
  const rejected = [...stats.rejected.values()].reduce((a, b) => a + b, 0);
  assert.ok(rejected > 0, `${label}: no input was rejected in ${stats.runs} runs`);
  assert.equal(stats.accepted + rejected, stats.runs);
}
