// SpiffeId: parsing (SPIFFE-RULES §1, ID-01..ID-20), building, equality and rendering.
import assert from "node:assert";
import { MAX_ID_LENGTH, MAX_TRUST_DOMAIN_LENGTH, SpiffeId, TrustDomain } from "../../mod.ts";
import { assertSpiffeIdError, E, type Expected, label } from "./_helpers.ts";

const TD_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789.-_";
const PATH_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";

// ---------------------------------------------------------------------------
// Valid IDs
// ---------------------------------------------------------------------------

interface ValidCase {
  input: string;
  td: string;
  path: string;
  rule: string;
}

const VALID: ValidCase[] = [
  { input: "spiffe://example.org", td: "example.org", path: "", rule: "ID-15 root ID" },
  { input: "spiffe://example.org/w", td: "example.org", path: "/w", rule: "ID-01" },
  { input: "spiffe://example.org/a/b/c", td: "example.org", path: "/a/b/c", rule: "ID-01" },
  { input: "spiffe://a", td: "a", path: "", rule: "ID-04 one-char trust domain" },
  { input: "spiffe://0", td: "0", path: "", rule: "ID-04 digit trust domain" },
  { input: "spiffe://a/b", td: "a", path: "/b", rule: "ID-09 one-char segment" },
  { input: `spiffe://${TD_CHARS}`, td: TD_CHARS, path: "", rule: "ID-04 every TD char" },
  {
    input: `spiffe://example.org/${PATH_CHARS}`,
    td: "example.org",
    path: `/${PATH_CHARS}`,
    rule: "ID-09 every path char",
  },
  { input: "spiffe://example..org/w", td: "example..org", path: "/w", rule: "ID-08 no DNS" },
  { input: "spiffe://-x", td: "-x", path: "", rule: "ID-08 leading dash" },
  { input: "spiffe://x-", td: "x-", path: "", rule: "ID-08 trailing dash" },
  { input: "spiffe://_td_/w", td: "_td_", path: "/w", rule: "ID-04 underscore" },
  { input: "spiffe://.", td: ".", path: "", rule: "ID-08 dot-only trust domain" },
  { input: "spiffe://../w", td: "..", path: "/w", rule: "ID-08 dots-only trust domain" },
  { input: "spiffe://example.org.", td: "example.org.", path: "", rule: "ID-08 trailing dot" },
  { input: "spiffe://xn--bcher-kva.example", td: "xn--bcher-kva.example", path: "", rule: "ID-08" },
  { input: "spiffe://1.2.3.4/w", td: "1.2.3.4", path: "/w", rule: "ID-08 IPv4" },
  { input: "spiffe://127.0.0.1", td: "127.0.0.1", path: "", rule: "ID-08 IPv4" },
  { input: "spiffe://255.255.255.255/a", td: "255.255.255.255", path: "/a", rule: "ID-08 IPv4" },
  { input: "spiffe://999.999.999.999", td: "999.999.999.999", path: "", rule: "ID-08 not an IP" },
  { input: "spiffe://example.org/.a", td: "example.org", path: "/.a", rule: "ID-10" },
  { input: "spiffe://example.org/..a", td: "example.org", path: "/..a", rule: "ID-10" },
  { input: "spiffe://example.org/...", td: "example.org", path: "/...", rule: "ID-10" },
  { input: "spiffe://example.org/a.", td: "example.org", path: "/a.", rule: "ID-10" },
  { input: "spiffe://example.org/a..", td: "example.org", path: "/a..", rule: "ID-10" },
  { input: "spiffe://example.org/..../x", td: "example.org", path: "/..../x", rule: "ID-10" },
  {
    input: "spiffe://example.org/.a/..b/...",
    td: "example.org",
    path: "/.a/..b/...",
    rule: "ID-10",
  },
  { input: "spiffe://example.org/a/.b/c", td: "example.org", path: "/a/.b/c", rule: "ID-10" },
  { input: "spiffe://example.org/-", td: "example.org", path: "/-", rule: "ID-09" },
  { input: "spiffe://example.org/_", td: "example.org", path: "/_", rule: "ID-09" },
  {
    input: "spiffe://example.org/UPPER/Mixed",
    td: "example.org",
    path: "/UPPER/Mixed",
    rule: "ID-14",
  },
  {
    input: "spiffe://example.org/ns/default/sa/my-svc_v1.2",
    td: "example.org",
    path: "/ns/default/sa/my-svc_v1.2",
    rule: "ID-09",
  },
];

for (const c of VALID) {
  Deno.test(`SpiffeId.parse accepts ${label(c.input)} (${c.rule})`, () => {
    const id = SpiffeId.parse(c.input);
    assert.strictEqual(id.toString(), c.input);
    assert.strictEqual(id.toJSON(), c.input);
    assert.strictEqual(id.trustDomain.name, c.td);
    assert.strictEqual(id.path, c.path);
    assert.ok(id.memberOf(TrustDomain.parse(c.td)));
    // The ID round-trips through every constructor.
    assert.ok(SpiffeId.parse(id.toString()).equals(id));
    assert.ok(SpiffeId.fromPath(TrustDomain.parse(c.td), c.path).equals(id));
    const segments = c.path === "" ? [] : c.path.slice(1).split("/");
    assert.ok(SpiffeId.fromSegments(TrustDomain.parse(c.td), ...segments).equals(id));
  });
}

// Every allowed character, one at a time, in the trust domain (ID-04) and the path (ID-09).
for (const ch of TD_CHARS) {
  Deno.test(`SpiffeId.parse accepts trust-domain char ${label(ch)} (ID-04)`, () => {
    for (const td of [ch, `a${ch}b`, `${ch}${ch}${ch}`]) {
      const id = SpiffeId.parse(`spiffe://${td}/w`);
      assert.strictEqual(id.trustDomain.name, td);
    }
  });
}
for (const ch of PATH_CHARS) {
  Deno.test(`SpiffeId.parse accepts path char ${label(ch)} (ID-09)`, () => {
    // A lone "." is a dot segment, so "." is only tested inside longer segments.
    const segments = ch === "." ? [`a${ch}b`, `${ch}${ch}${ch}`] : [ch, `a${ch}b`, `${ch}${ch}`];
    for (const seg of segments) {
      const id = SpiffeId.parse(`spiffe://example.org/${seg}`);
      assert.strictEqual(id.path, `/${seg}`);
    }
  });
}

// ---------------------------------------------------------------------------
// Invalid IDs, each with go-spiffe's exact error (§1.2 table and ID-17..ID-19)
// ---------------------------------------------------------------------------

interface InvalidCase {
  input: string;
  error: Expected;
  rule: string;
}

const INVALID: InvalidCase[] = [
  // empty string
  { input: "", error: E.empty, rule: "ID-17 step 1" },
  // missing or wrong scheme (ID-02, ID-17 step 2)
  { input: "example.org/w", error: E.scheme, rule: "ID-02" },
  { input: "example.org", error: E.scheme, rule: "ID-02" },
  { input: "https://example.org/w", error: E.scheme, rule: "ID-02" },
  { input: "http://example.org", error: E.scheme, rule: "ID-02" },
  { input: "spiffe:/example.org/w", error: E.scheme, rule: "ID-02" },
  { input: "spiffe:example.org", error: E.scheme, rule: "ID-02" },
  { input: "spiffe", error: E.scheme, rule: "ID-02" },
  { input: "spiffe:", error: E.scheme, rule: "ID-02" },
  { input: "spiffe:/", error: E.scheme, rule: "ID-02" },
  { input: "spiffe//example.org", error: E.scheme, rule: "ID-02" },
  { input: "spiffe:\\\\example.org", error: E.scheme, rule: "ID-02" },
  { input: "//example.org/w", error: E.scheme, rule: "ID-02" },
  { input: "/w", error: E.scheme, rule: "ID-02" },
  { input: " spiffe://example.org", error: E.scheme, rule: "ID-17 leading space" },
  { input: "\tspiffe://example.org", error: E.scheme, rule: "ID-17 leading tab" },
  { input: "spiffe ://example.org", error: E.scheme, rule: "ID-02" },
  { input: "spiffex://example.org", error: E.scheme, rule: "ID-02" },
  { input: "xspiffe://example.org", error: E.scheme, rule: "ID-02" },
  // uppercase scheme (ID-14)
  { input: "SPIFFE://example.org/w", error: E.scheme, rule: "ID-14" },
  { input: "Spiffe://example.org", error: E.scheme, rule: "ID-14" },
  { input: "spiffE://example.org", error: E.scheme, rule: "ID-14" },
  { input: "SPIFFE://Example.org", error: E.scheme, rule: "ID-17 scheme before TD" },
  { input: "SPIFFE://example.org/a/../b", error: E.scheme, rule: "ID-17 scheme before path" },
  // empty trust domain (ID-03)
  { input: "spiffe://", error: E.tdMissing, rule: "ID-03" },
  { input: "spiffe:///w", error: E.tdMissing, rule: "ID-03" },
  { input: "spiffe:///", error: E.tdMissing, rule: "ID-03" },
  { input: "spiffe:////w", error: E.tdMissing, rule: "ID-03" },
  { input: "spiffe:///..", error: E.tdMissing, rule: "ID-17 TD missing before path" },
  { input: "spiffe:///a?b", error: E.tdMissing, rule: "ID-17 TD missing before path" },
  // uppercase trust domain (ID-05)
  { input: "spiffe://Example.org/w", error: E.tdChar, rule: "ID-05" },
  { input: "spiffe://exAmple.org", error: E.tdChar, rule: "ID-05" },
  { input: "spiffe://EXAMPLE.ORG", error: E.tdChar, rule: "ID-05" },
  { input: "spiffe://example.Org/w", error: E.tdChar, rule: "ID-05" },
  // port / empty port (ID-06)
  { input: "spiffe://example.org:8080/w", error: E.tdChar, rule: "ID-06" },
  { input: "spiffe://example.org:8080", error: E.tdChar, rule: "ID-06" },
  { input: "spiffe://example.org:/w", error: E.tdChar, rule: "ID-06" },
  { input: "spiffe://example.org:", error: E.tdChar, rule: "ID-06" },
  { input: "spiffe://:8080/w", error: E.tdChar, rule: "ID-17 TD char before TD missing" },
  // userinfo (ID-06)
  { input: "spiffe://user@example.org/w", error: E.tdChar, rule: "ID-06" },
  { input: "spiffe://user:pw@example.org/w", error: E.tdChar, rule: "ID-06" },
  { input: "spiffe://@example.org", error: E.tdChar, rule: "ID-06" },
  // IPv6 literal (ID-08)
  { input: "spiffe://[::1]/w", error: E.tdChar, rule: "ID-08" },
  { input: "spiffe://[2001:db8::1]", error: E.tdChar, rule: "ID-08" },
  { input: "spiffe://::1/w", error: E.tdChar, rule: "ID-08" },
  // percent-encoding in trust domain (ID-07)
  { input: "spiffe://%65xample.org/w", error: E.tdChar, rule: "ID-07" },
  { input: "spiffe://example%2eorg", error: E.tdChar, rule: "ID-07" },
  // query/fragment with no path (ID-12, ID-18)
  { input: "spiffe://example.org?x", error: E.tdChar, rule: "ID-18" },
  { input: "spiffe://example.org#f", error: E.tdChar, rule: "ID-18" },
  { input: "spiffe://example.org?", error: E.tdChar, rule: "ID-12 empty query" },
  { input: "spiffe://example.org#", error: E.tdChar, rule: "ID-12 empty fragment" },
  { input: "spiffe://td?x", error: E.tdChar, rule: "ID-18" },
  { input: "spiffe://?x", error: E.tdChar, rule: "ID-17 TD char before TD missing" },
  { input: "spiffe://#", error: E.tdChar, rule: "ID-17 TD char before TD missing" },
  { input: "spiffe://example.org?x=/a", error: E.tdChar, rule: "ID-18" },
  // whitespace, backslash and non-ASCII in the trust domain (ID-04, ID-08, ID-18)
  { input: "spiffe://exa mple.org", error: E.tdChar, rule: "ID-18 space" },
  { input: "spiffe:// example.org", error: E.tdChar, rule: "ID-18 space" },
  { input: "spiffe://example.org ", error: E.tdChar, rule: "ID-18 trailing space" },
  { input: "spiffe://example.org\n", error: E.tdChar, rule: "ID-18 newline" },
  { input: "spiffe://example.org\t/w", error: E.tdChar, rule: "ID-18 tab" },
  { input: "spiffe://example.org\u0000", error: E.tdChar, rule: "ID-18 NUL" },
  { input: "spiffe://example.org\\w", error: E.tdChar, rule: "ID-04 backslash" },
  { input: "spiffe://exämple.org", error: E.tdChar, rule: "ID-08 non-ASCII" },
  { input: "spiffe://例え.jp/w", error: E.tdChar, rule: "ID-08 non-ASCII" },
  { input: "spiffe://example.org\u{1F600}", error: E.tdChar, rule: "ID-08 astral" },
  { input: "spiffe://ex\u00adample.org", error: E.tdChar, rule: "ID-08 soft hyphen" },
  { input: "spiffe://example\u3002org", error: E.tdChar, rule: "ID-08 ideographic dot" },
  { input: "spiffe://exa+mple.org", error: E.tdChar, rule: "ID-04" },
  { input: "spiffe://exa~mple.org", error: E.tdChar, rule: "ID-04" },
  // TD errors win over path errors (ID-17 step 3 before step 5)
  { input: "spiffe://Example.org//", error: E.tdChar, rule: "ID-17" },
  { input: "spiffe://example.org:8080/a/../b", error: E.tdChar, rule: "ID-17" },
  { input: "spiffe://Example.org/%/..", error: E.tdChar, rule: "ID-17" },
  // query/fragment after a path (ID-12, ID-18)
  { input: "spiffe://example.org/w?x=1", error: E.pathChar, rule: "ID-18" },
  { input: "spiffe://example.org/w#f", error: E.pathChar, rule: "ID-18" },
  { input: "spiffe://example.org/w?", error: E.pathChar, rule: "ID-12 empty query" },
  { input: "spiffe://example.org/w#", error: E.pathChar, rule: "ID-12 empty fragment" },
  { input: "spiffe://td/p?x", error: E.pathChar, rule: "ID-18" },
  { input: "spiffe://example.org/?x", error: E.pathChar, rule: "ID-18 char before trailing" },
  { input: "spiffe://example.org/#", error: E.pathChar, rule: "ID-18 char before trailing" },
  // percent-encoding in the path (ID-07)
  { input: "spiffe://example.org/%77", error: E.pathChar, rule: "ID-07" },
  { input: "spiffe://example.org/a%20b", error: E.pathChar, rule: "ID-07" },
  { input: "spiffe://example.org/%2e%2e", error: E.pathChar, rule: "ID-07" },
  { input: "spiffe://example.org/a%2Fb", error: E.pathChar, rule: "ID-07" },
  // non-ASCII in the path (ID-09)
  { input: "spiffe://example.org/é", error: E.pathChar, rule: "ID-09 non-ASCII" },
  { input: "spiffe://example.org/caf\u00e9", error: E.pathChar, rule: "ID-09 non-ASCII" },
  { input: "spiffe://example.org/\u0080", error: E.pathChar, rule: "ID-09 U+0080" },
  { input: "spiffe://example.org/\u00ff", error: E.pathChar, rule: "ID-09 U+00FF" },
  { input: "spiffe://example.org/\u{1F600}", error: E.pathChar, rule: "ID-09 astral" },
  { input: "spiffe://example.org/\ud800", error: E.pathChar, rule: "ID-09 lone surrogate" },
  { input: "spiffe://example.org/\u2215", error: E.pathChar, rule: "ID-09 division slash" },
  { input: "spiffe://example.org/\uff0e\uff0e", error: E.pathChar, rule: "ID-09 fullwidth dots" },
  // trailing slash (ID-11)
  { input: "spiffe://example.org/", error: E.trailing, rule: "ID-11" },
  { input: "spiffe://example.org/w/", error: E.trailing, rule: "ID-11" },
  { input: "spiffe://example.org/a/b/", error: E.trailing, rule: "ID-11" },
  { input: "spiffe://td/.a/", error: E.trailing, rule: "ID-11" },
  // empty segment (ID-10)
  { input: "spiffe://example.org//w", error: E.emptySeg, rule: "ID-10" },
  { input: "spiffe://example.org/a//b", error: E.emptySeg, rule: "ID-10" },
  { input: "spiffe://example.org//", error: E.emptySeg, rule: "ID-19 not trailing" },
  { input: "spiffe://example.org/a//", error: E.emptySeg, rule: "ID-19 not trailing" },
  { input: "spiffe://example.org///", error: E.emptySeg, rule: "ID-10" },
  // dot segment (ID-10)
  { input: "spiffe://example.org/.", error: E.dotSeg, rule: "ID-10" },
  { input: "spiffe://example.org/..", error: E.dotSeg, rule: "ID-10" },
  { input: "spiffe://example.org/./w", error: E.dotSeg, rule: "ID-10" },
  { input: "spiffe://example.org/../w", error: E.dotSeg, rule: "ID-10" },
  { input: "spiffe://example.org/a/../b", error: E.dotSeg, rule: "ID-10" },
  { input: "spiffe://example.org/a/./b", error: E.dotSeg, rule: "ID-10" },
  { input: "spiffe://example.org/a/.", error: E.dotSeg, rule: "ID-10" },
  { input: "spiffe://example.org/a/..", error: E.dotSeg, rule: "ID-10" },
  { input: "spiffe://example.org/./", error: E.dotSeg, rule: "ID-19 dot before trailing" },
  { input: "spiffe://example.org/../", error: E.dotSeg, rule: "ID-19 dot before trailing" },
  { input: "spiffe://example.org/a/./", error: E.dotSeg, rule: "ID-19 dot before trailing" },
  // first error while scanning the path wins (ID-19)
  { input: "spiffe://td//a/./b", error: E.emptySeg, rule: "ID-19 empty before dot" },
  { input: "spiffe://td/./a//b", error: E.dotSeg, rule: "ID-19 dot before empty" },
  { input: "spiffe://td/../a//", error: E.dotSeg, rule: "ID-19 dot before empty" },
  { input: "spiffe://td/a/%/..", error: E.pathChar, rule: "ID-19 char before dot" },
  { input: "spiffe://td/a/../b%", error: E.dotSeg, rule: "ID-19 dot before char" },
  { input: "spiffe://td//a%", error: E.emptySeg, rule: "ID-19 empty before char" },
  { input: "spiffe://td/a%//", error: E.pathChar, rule: "ID-19 char before empty" },
  { input: "spiffe://td/a?/..", error: E.pathChar, rule: "ID-19 char before dot" },
  { input: "spiffe://td/a/b?/", error: E.pathChar, rule: "ID-19 char before trailing" },
  { input: "spiffe://td/./?", error: E.dotSeg, rule: "ID-19 dot before char" },
];

for (const c of INVALID) {
  Deno.test(`SpiffeId.parse rejects ${label(c.input)} (${c.rule})`, () => {
    assertSpiffeIdError(() => SpiffeId.parse(c.input), c.error);
  });
}

// Each forbidden path character named by the rules (§1.2 "other bad path characters").
const BAD_PATH_CHARS = [
  "~",
  ":",
  "@",
  "+",
  ";",
  "=",
  "!",
  "$",
  "&",
  "'",
  "(",
  ")",
  "*",
  ",",
  " ",
  "\\",
  "%",
  "?",
  "#",
  "[",
  "]",
  '"',
  "<",
  ">",
  "^",
  "`",
  "{",
  "|",
  "}",
];
for (const ch of BAD_PATH_CHARS) {
  Deno.test(`SpiffeId.parse rejects path char ${label(ch)} (ID-09)`, () => {
    for (const path of [`/${ch}`, `/a${ch}b`, `/a/${ch}`, `/${ch}/a`]) {
      assertSpiffeIdError(() => SpiffeId.parse(`spiffe://example.org${path}`), E.pathChar);
    }
  });
}

// Control bytes, including DEL, in the path and in the trust domain.
Deno.test("SpiffeId.parse rejects every control byte in the path (ID-09)", () => {
  for (let b = 0; b <= 0x1f; b++) {
    const ch = String.fromCharCode(b);
    assertSpiffeIdError(() => SpiffeId.parse(`spiffe://example.org/a${ch}b`), E.pathChar);
    assertSpiffeIdError(() => SpiffeId.parse(`spiffe://example.org/${ch}`), E.pathChar);
  }
  assertSpiffeIdError(() => SpiffeId.parse("spiffe://example.org/a\x7fb"), E.pathChar);
});
Deno.test("SpiffeId.parse rejects every control byte in the trust domain (ID-04)", () => {
  for (let b = 0; b <= 0x1f; b++) {
    const ch = String.fromCharCode(b);
    assertSpiffeIdError(() => SpiffeId.parse(`spiffe://exa${ch}mple.org/w`), E.tdChar);
  }
  assertSpiffeIdError(() => SpiffeId.parse("spiffe://exa\x7fmple.org/w"), E.tdChar);
});

// Exhaustive sweep: every code unit 0x00..0xFF (and a few beyond) is accepted exactly
// when it is in the allowed class, and otherwise fails with the class's error.
Deno.test("SpiffeId.parse: path accepts exactly [a-zA-Z0-9._-] (ID-09, sweep)", () => {
  const extra = [0x100, 0x2f9, 0x3002, 0xd800, 0xdfff, 0xfeff, 0xff0f, 0xffff];
  for (const code of [...Array.from({ length: 0x100 }, (_, i) => i), ...extra]) {
    if (code === 0x2f) continue; // `/` separates segments
    const ch = String.fromCharCode(code);
    const input = `spiffe://example.org/x${ch}y`;
    if (PATH_CHARS.includes(ch)) {
      assert.strictEqual(SpiffeId.parse(input).path, `/x${ch}y`);
    } else {
      assertSpiffeIdError(() => SpiffeId.parse(input), E.pathChar);
    }
  }
});
Deno.test("SpiffeId.parse: trust domain accepts exactly [a-z0-9._-] (ID-04, sweep)", () => {
  const extra = [0x100, 0x130, 0x212a, 0x3002, 0xd800, 0xfeff, 0xff0e, 0xffff];
  for (const code of [...Array.from({ length: 0x100 }, (_, i) => i), ...extra]) {
    if (code === 0x2f) continue; // `/` ends the trust domain
    const ch = String.fromCharCode(code);
    const input = `spiffe://x${ch}y/w`;
    if (TD_CHARS.includes(ch)) {
      assert.strictEqual(SpiffeId.parse(input).trustDomain.name, `x${ch}y`);
    } else {
      assertSpiffeIdError(() => SpiffeId.parse(input), E.tdChar);
    }
  }
});

// ---------------------------------------------------------------------------
// Length limits (ID-13)
// ---------------------------------------------------------------------------

const PREFIX = "spiffe://";

/** An ID of exactly `total` bytes with the given trust domain, padded with path segments. */
function idOfLength(td: string, total: number): string {
  let path = "";
  const room = total - PREFIX.length - td.length;
  while (path.length < room) {
    const left = room - path.length;
    // "/" + up to 100 chars; never leave exactly 1 byte (that would be a lone "/").
    let take = Math.min(101, left);
    if (left - take === 1) take = 100;
    path += `/${"s".repeat(take - 1)}`;
  }
  const id = `${PREFIX}${td}${path}`;
  assert.strictEqual(id.length, total);
  return id;
}

Deno.test("length constants are 2048 and 255 (ID-13)", () => {
  assert.strictEqual(MAX_ID_LENGTH, 2048);
  assert.strictEqual(MAX_TRUST_DOMAIN_LENGTH, 255);
});

Deno.test("SpiffeId.parse accepts an ID of exactly 2048 bytes, one segment (ID-13)", () => {
  const input = `spiffe://example.org/${"a".repeat(2048 - "spiffe://example.org/".length)}`;
  assert.strictEqual(input.length, 2048);
  assert.strictEqual(SpiffeId.parse(input).toString(), input);
});
Deno.test("SpiffeId.parse rejects an ID of 2049 bytes, one segment (ID-13)", () => {
  const input = `spiffe://example.org/${"a".repeat(2049 - "spiffe://example.org/".length)}`;
  assert.strictEqual(input.length, 2049);
  assertSpiffeIdError(() => SpiffeId.parse(input), E.idTooLong);
});
Deno.test("SpiffeId.parse accepts a 2048-byte ID made of many segments (ID-13)", () => {
  const input = idOfLength("example.org", 2048);
  assert.strictEqual(SpiffeId.parse(input).toString(), input);
});
Deno.test("SpiffeId.parse rejects a 2049-byte ID made of many segments (ID-13)", () => {
  assertSpiffeIdError(() => SpiffeId.parse(idOfLength("example.org", 2049)), E.idTooLong);
});
Deno.test("SpiffeId.parse rejects much longer IDs (ID-13)", () => {
  assertSpiffeIdError(() => SpiffeId.parse(idOfLength("example.org", 2050)), E.idTooLong);
  assertSpiffeIdError(() => SpiffeId.parse(idOfLength("example.org", 10_000)), E.idTooLong);
});
Deno.test("SpiffeId.parse accepts a 255-byte trust domain (ID-13)", () => {
  const td = "a".repeat(255);
  assert.strictEqual(SpiffeId.parse(`${PREFIX}${td}`).trustDomain.name, td);
  assert.strictEqual(SpiffeId.parse(`${PREFIX}${td}/w`).trustDomain.name, td);
  const dotted = `${"abcdefgh.".repeat(28)}abc`; // 28*9 + 3 = 255
  assert.strictEqual(dotted.length, 255);
  assert.strictEqual(SpiffeId.parse(`${PREFIX}${dotted}/w`).trustDomain.name, dotted);
});
Deno.test("SpiffeId.parse rejects a 256-byte trust domain (ID-13)", () => {
  const td = "a".repeat(256);
  assertSpiffeIdError(() => SpiffeId.parse(`${PREFIX}${td}`), E.tdTooLong);
  assertSpiffeIdError(() => SpiffeId.parse(`${PREFIX}${td}/w`), E.tdTooLong);
  assertSpiffeIdError(() => SpiffeId.parse(`${PREFIX}${"a".repeat(1000)}`), E.tdTooLong);
});
Deno.test("SpiffeId.parse: 255-byte trust domain + path, 2048 accepted, 2049 rejected", () => {
  const td = "t".repeat(255);
  const ok = idOfLength(td, 2048);
  assert.strictEqual(SpiffeId.parse(ok).toString(), ok);
  assertSpiffeIdError(() => SpiffeId.parse(idOfLength(td, 2049)), E.idTooLong);
});
Deno.test("SpiffeId.parse: grammar errors are reported before length errors", () => {
  // go-spiffe has no length check, so its grammar error is the one to give.
  const long = `spiffe://example.org/${"a".repeat(3000)}`;
  assertSpiffeIdError(() => SpiffeId.parse(`${long}/`), E.trailing);
  assertSpiffeIdError(() => SpiffeId.parse(`${long}?x`), E.pathChar);
  assertSpiffeIdError(() => SpiffeId.parse(`${long}/..`), E.dotSeg);
  assertSpiffeIdError(() => SpiffeId.parse(`spiffe://${"A".repeat(300)}`), E.tdChar);
});

// ---------------------------------------------------------------------------
// SpiffeId.fromPath
// ---------------------------------------------------------------------------

const TD = TrustDomain.parse("example.org");

const FROM_PATH_VALID: string[] = ["", "/a", "/a/b", "/A/b-c_d.e", "/.a", "/..a", "/...", "/1"];
for (const path of FROM_PATH_VALID) {
  Deno.test(`SpiffeId.fromPath accepts ${label(path)}`, () => {
    const id = SpiffeId.fromPath(TD, path);
    assert.strictEqual(id.path, path);
    assert.strictEqual(id.toString(), `spiffe://example.org${path}`);
    assert.ok(id.trustDomain.equals(TD));
    assert.ok(id.equals(SpiffeId.parse(`spiffe://example.org${path}`)));
  });
}

Deno.test("SpiffeId.fromPath with an empty path is the root ID (ID-15)", () => {
  const id = SpiffeId.fromPath(TD, "");
  assert.strictEqual(id.path, "");
  assert.strictEqual(id.toString(), "spiffe://example.org");
  assert.strictEqual(id.toString(), TD.idString());
  assert.ok(id.equals(SpiffeId.parse("spiffe://example.org")));
});

const FROM_PATH_INVALID: InvalidCase[] = [
  { input: "a", error: E.leading, rule: "leading slash" },
  { input: "a/b", error: E.leading, rule: "leading slash" },
  { input: ".", error: E.leading, rule: "leading slash before dot" },
  { input: "%", error: E.leading, rule: "leading slash before char" },
  { input: " /a", error: E.leading, rule: "leading slash" },
  { input: "spiffe://example.org/a", error: E.leading, rule: "full ID is not a path" },
  { input: "/", error: E.trailing, rule: "ID-11" },
  { input: "/a/", error: E.trailing, rule: "ID-11" },
  { input: "//", error: E.emptySeg, rule: "ID-10" },
  { input: "//a", error: E.emptySeg, rule: "ID-10" },
  { input: "/.", error: E.dotSeg, rule: "ID-10" },
  { input: "/..", error: E.dotSeg, rule: "ID-10" },
  { input: "/./", error: E.dotSeg, rule: "ID-19" },
  { input: "/a/../b", error: E.dotSeg, rule: "ID-10" },
  { input: "/a?", error: E.pathChar, rule: "ID-12" },
  { input: "/a#f", error: E.pathChar, rule: "ID-12" },
  { input: "/%41", error: E.pathChar, rule: "ID-07" },
  { input: "/a b", error: E.pathChar, rule: "ID-09" },
  { input: "/é", error: E.pathChar, rule: "ID-09" },
  { input: "//a/./b", error: E.emptySeg, rule: "ID-19 first error wins" },
];
for (const c of FROM_PATH_INVALID) {
  Deno.test(`SpiffeId.fromPath rejects ${label(c.input)} (${c.rule})`, () => {
    assertSpiffeIdError(() => SpiffeId.fromPath(TD, c.input), c.error);
  });
}

Deno.test("SpiffeId.fromPath enforces the 2048-byte ID limit (ID-13)", () => {
  const td = TrustDomain.parse("t".repeat(255));
  const ok = idOfLength(td.name, 2048).slice(PREFIX.length + 255);
  assert.strictEqual(SpiffeId.fromPath(td, ok).toString().length, 2048);
  const tooLong = idOfLength(td.name, 2049).slice(PREFIX.length + 255);
  assertSpiffeIdError(() => SpiffeId.fromPath(td, tooLong), E.idTooLong);
  const shortTd = `/${"a".repeat(2048 - "spiffe://example.org/".length)}`;
  assert.strictEqual(SpiffeId.fromPath(TD, shortTd).toString().length, 2048);
  assertSpiffeIdError(() => SpiffeId.fromPath(TD, `${shortTd}a`), E.idTooLong);
});

// ---------------------------------------------------------------------------
// SpiffeId.fromSegments (ID-20)
// ---------------------------------------------------------------------------

const FROM_SEGMENTS_VALID: { segments: string[]; path: string }[] = [
  { segments: [], path: "" },
  { segments: ["a"], path: "/a" },
  { segments: ["a", "B", "c.d"], path: "/a/B/c.d" },
  { segments: [".a", "..a", "..."], path: "/.a/..a/..." },
  { segments: ["ns", "default", "sa", "my-svc_1"], path: "/ns/default/sa/my-svc_1" },
  { segments: [PATH_CHARS], path: `/${PATH_CHARS}` },
];
for (const c of FROM_SEGMENTS_VALID) {
  Deno.test(`SpiffeId.fromSegments accepts ${JSON.stringify(c.segments)}`, () => {
    const id = SpiffeId.fromSegments(TD, ...c.segments);
    assert.strictEqual(id.path, c.path);
    assert.strictEqual(id.toString(), `spiffe://example.org${c.path}`);
    assert.ok(id.equals(SpiffeId.fromPath(TD, c.path)));
  });
}

const FROM_SEGMENTS_INVALID: { segments: string[]; error: Expected; rule: string }[] = [
  { segments: [""], error: E.emptySeg, rule: "ID-20 empty" },
  { segments: ["."], error: E.dotSeg, rule: "ID-20 dot" },
  { segments: [".."], error: E.dotSeg, rule: "ID-20 dot-dot" },
  { segments: ["/"], error: E.pathChar, rule: "ID-20 slash is a char error" },
  { segments: ["a/b"], error: E.pathChar, rule: "ID-20 slash is a char error" },
  { segments: ["/a"], error: E.pathChar, rule: "ID-20 slash is a char error" },
  { segments: ["a/"], error: E.pathChar, rule: "ID-20 slash is a char error" },
  { segments: ["//"], error: E.pathChar, rule: "ID-20 slash is a char error" },
  { segments: ["./"], error: E.pathChar, rule: "ID-20 slash is a char error" },
  { segments: ["a?"], error: E.pathChar, rule: "ID-20" },
  { segments: ["#"], error: E.pathChar, rule: "ID-20" },
  { segments: [" "], error: E.pathChar, rule: "ID-20" },
  { segments: ["%41"], error: E.pathChar, rule: "ID-20" },
  { segments: ["é"], error: E.pathChar, rule: "ID-20" },
  { segments: ["a:b"], error: E.pathChar, rule: "ID-20" },
  { segments: ["a", "", "b"], error: E.emptySeg, rule: "ID-20 later segment" },
  { segments: ["a", "..", "b"], error: E.dotSeg, rule: "ID-20 later segment" },
  { segments: ["a", "b", "c~"], error: E.pathChar, rule: "ID-20 later segment" },
  { segments: ["%", ""], error: E.pathChar, rule: "ID-20 first error wins" },
  { segments: ["", "%"], error: E.emptySeg, rule: "ID-20 first error wins" },
  { segments: [".", "/"], error: E.dotSeg, rule: "ID-20 first error wins" },
];
for (const c of FROM_SEGMENTS_INVALID) {
  Deno.test(`SpiffeId.fromSegments rejects ${JSON.stringify(c.segments)} (${c.rule})`, () => {
    assertSpiffeIdError(() => SpiffeId.fromSegments(TD, ...c.segments), c.error);
  });
}

Deno.test("SpiffeId.fromSegments enforces the 2048-byte ID limit (ID-13)", () => {
  const room = 2048 - "spiffe://example.org/".length;
  assert.strictEqual(SpiffeId.fromSegments(TD, "a".repeat(room)).toString().length, 2048);
  assertSpiffeIdError(() => SpiffeId.fromSegments(TD, "a".repeat(room + 1)), E.idTooLong);
  const many = Array.from({ length: 1100 }, () => "a"); // 9 + 11 + 2200 bytes
  assertSpiffeIdError(() => SpiffeId.fromSegments(TD, ...many), E.idTooLong);
});

// ---------------------------------------------------------------------------
// Equality, membership, rendering (ID-14, ID-22)
// ---------------------------------------------------------------------------

Deno.test("SpiffeId.equals is byte-for-byte equality (ID-14, ID-22)", () => {
  const a = SpiffeId.parse("spiffe://example.org/a");
  assert.ok(a.equals(a));
  assert.ok(a.equals(SpiffeId.parse("spiffe://example.org/a")));
  assert.ok(a.equals(SpiffeId.fromPath(TD, "/a")));
  assert.ok(a.equals(SpiffeId.fromSegments(TD, "a")));
  assert.ok(!a.equals(SpiffeId.parse("spiffe://example.org/A")), "path is case-sensitive");
  assert.ok(!a.equals(SpiffeId.parse("spiffe://example.org/a/b")));
  assert.ok(!a.equals(SpiffeId.parse("spiffe://example.org/a.")));
  assert.ok(!a.equals(SpiffeId.parse("spiffe://example.org")));
  assert.ok(!a.equals(SpiffeId.parse("spiffe://example.com/a")));
  assert.ok(!a.equals(SpiffeId.parse("spiffe://example.org./a")));
  assert.ok(!SpiffeId.parse("spiffe://ab/c").equals(SpiffeId.parse("spiffe://a/bc")));
  const root = SpiffeId.parse("spiffe://example.org");
  assert.ok(root.equals(SpiffeId.fromPath(TD, "")));
  assert.ok(root.equals(SpiffeId.fromSegments(TD)));
});

Deno.test("SpiffeId.memberOf compares the trust domain exactly", () => {
  const id = SpiffeId.parse("spiffe://example.org/a/b");
  assert.ok(id.memberOf(TD));
  assert.ok(id.memberOf(TrustDomain.parse("example.org")));
  assert.ok(id.memberOf(TrustDomain.parse("spiffe://example.org/other")));
  assert.ok(SpiffeId.parse("spiffe://example.org").memberOf(TD), "root ID is a member");
  assert.ok(!id.memberOf(TrustDomain.parse("example.com")));
  assert.ok(!id.memberOf(TrustDomain.parse("sub.example.org")));
  assert.ok(!id.memberOf(TrustDomain.parse("example.org.evil")));
  assert.ok(!id.memberOf(TrustDomain.parse("example.org.")));
  assert.ok(!id.memberOf(TrustDomain.parse("org")));
  assert.ok(!SpiffeId.parse("spiffe://sub.example.org/a").memberOf(TD));
});

Deno.test("SpiffeId.trustDomain and path expose the parts", () => {
  const id = SpiffeId.parse("spiffe://example.org/ns/prod");
  assert.ok(id.trustDomain instanceof TrustDomain);
  assert.strictEqual(id.trustDomain.name, "example.org");
  assert.ok(id.trustDomain.equals(TD));
  assert.strictEqual(id.trustDomain.idString(), "spiffe://example.org");
  assert.strictEqual(id.path, "/ns/prod");
});

Deno.test("SpiffeId.toString / toJSON / template / JSON.stringify", () => {
  const id = SpiffeId.parse("spiffe://example.org/ns/prod");
  assert.strictEqual(id.toString(), "spiffe://example.org/ns/prod");
  assert.strictEqual(id.toJSON(), "spiffe://example.org/ns/prod");
  assert.strictEqual(`${id}`, "spiffe://example.org/ns/prod");
  assert.strictEqual(String(id), "spiffe://example.org/ns/prod");
  assert.strictEqual(JSON.stringify(id), '"spiffe://example.org/ns/prod"');
  assert.strictEqual(
    JSON.stringify({ id, ids: [SpiffeId.parse("spiffe://example.org")] }),
    '{"id":"spiffe://example.org/ns/prod","ids":["spiffe://example.org"]}',
  );
});
