// TrustDomain: parsing a bare name or a full SPIFFE ID (SPIFFE-RULES ID-04..ID-08, ID-13, ID-21).
import assert from "node:assert";
import { SpiffeId, TrustDomain } from "../../mod.ts";
import { assertSpiffeIdError, E, type Expected, label } from "./_helpers.ts";

const TD_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789.-_";

const VALID: { input: string; name: string; rule: string }[] = [
  { input: "example.org", name: "example.org", rule: "ID-21 bare name" },
  { input: "spiffe://example.org", name: "example.org", rule: "ID-21 root ID" },
  { input: "spiffe://example.org/any/path", name: "example.org", rule: "ID-21 full ID" },
  { input: "spiffe://example.org/.a/..b/...", name: "example.org", rule: "ID-21 full ID" },
  { input: "a", name: "a", rule: "ID-04" },
  { input: "0", name: "0", rule: "ID-04" },
  { input: TD_CHARS, name: TD_CHARS, rule: "ID-04 every TD char" },
  { input: `spiffe://${TD_CHARS}/x`, name: TD_CHARS, rule: "ID-04 every TD char" },
  { input: "1.2.3.4", name: "1.2.3.4", rule: "ID-08 IPv4" },
  { input: "192.168.0.1", name: "192.168.0.1", rule: "ID-08 IPv4" },
  { input: "spiffe://10.0.0.1/w", name: "10.0.0.1", rule: "ID-08 IPv4" },
  { input: "example..org", name: "example..org", rule: "ID-08 no DNS" },
  { input: "-x", name: "-x", rule: "ID-08 no DNS" },
  { input: "_", name: "_", rule: "ID-04" },
  { input: ".", name: ".", rule: "ID-08" },
  { input: "..", name: "..", rule: "ID-08" },
  { input: "example.org.", name: "example.org.", rule: "ID-08" },
  { input: "xn--bcher-kva.example", name: "xn--bcher-kva.example", rule: "ID-08 punycode" },
];

for (const c of VALID) {
  Deno.test(`TrustDomain.parse accepts ${label(c.input)} (${c.rule})`, () => {
    const td = TrustDomain.parse(c.input);
    assert.strictEqual(td.name, c.name);
    assert.strictEqual(td.toString(), c.name);
    assert.strictEqual(td.toJSON(), c.name);
    assert.strictEqual(td.idString(), `spiffe://${c.name}`);
    assert.ok(td.equals(TrustDomain.parse(c.name)));
    assert.ok(td.equals(TrustDomain.parse(td.idString())));
    assert.ok(SpiffeId.parse(td.idString()).memberOf(td));
  });
}

for (const ch of TD_CHARS) {
  Deno.test(`TrustDomain.parse accepts char ${label(ch)} (ID-04)`, () => {
    for (const name of [ch, `a${ch}b`, `${ch}${ch}`]) {
      assert.strictEqual(TrustDomain.parse(name).name, name);
      assert.strictEqual(TrustDomain.parse(`spiffe://${name}`).name, name);
    }
  });
}

const INVALID: { input: string; error: Expected; rule: string }[] = [
  { input: "", error: E.tdMissing, rule: "ID-21 empty" },
  // bare names: every byte must be a trust-domain character
  { input: "Example.org", error: E.tdChar, rule: "ID-05" },
  { input: "EXAMPLE.ORG", error: E.tdChar, rule: "ID-05" },
  { input: "example.org:8080", error: E.tdChar, rule: "ID-06 port" },
  { input: "example.org:", error: E.tdChar, rule: "ID-06 empty port" },
  { input: "user@example.org", error: E.tdChar, rule: "ID-06 userinfo" },
  { input: "[::1]", error: E.tdChar, rule: "ID-08 IPv6" },
  { input: "::1", error: E.tdChar, rule: "ID-08 IPv6" },
  { input: "%65xample.org", error: E.tdChar, rule: "ID-07" },
  { input: "example.org/path", error: E.tdChar, rule: "ID-21 bare name with path" },
  { input: "/", error: E.tdChar, rule: "ID-21 slash" },
  { input: "exa mple.org", error: E.tdChar, rule: "ID-04 space" },
  { input: " example.org", error: E.tdChar, rule: "ID-04 leading space" },
  { input: "example.org\n", error: E.tdChar, rule: "ID-04 newline" },
  { input: "example.org?x", error: E.tdChar, rule: "ID-12" },
  { input: "example.org#f", error: E.tdChar, rule: "ID-12" },
  { input: "exämple.org", error: E.tdChar, rule: "ID-08 non-ASCII" },
  { input: "例え.jp", error: E.tdChar, rule: "ID-08 non-ASCII" },
  { input: "spiffe:example.org", error: E.tdChar, rule: "ID-21 no ':/' so a bare name" },
  // anything containing ":/" is parsed as a full ID (ID-21)
  { input: "spiffe://", error: E.tdMissing, rule: "ID-21 full ID" },
  { input: "spiffe:///w", error: E.tdMissing, rule: "ID-21 full ID" },
  { input: "spiffe:/example.org", error: E.scheme, rule: "ID-21 full ID" },
  { input: "http://example.org", error: E.scheme, rule: "ID-21 full ID" },
  { input: "SPIFFE://example.org", error: E.scheme, rule: "ID-21 full ID" },
  { input: "example.org:/x", error: E.scheme, rule: "ID-21 ':/' means full ID" },
  { input: "spiffe://Example.org", error: E.tdChar, rule: "ID-21 full ID" },
  { input: "spiffe://example.org:8080/w", error: E.tdChar, rule: "ID-21 full ID" },
  { input: "spiffe://example.org?x", error: E.tdChar, rule: "ID-21 full ID" },
  { input: "spiffe://example.org/", error: E.trailing, rule: "ID-21 whole ID validated" },
  { input: "spiffe://example.org/a/../b", error: E.dotSeg, rule: "ID-21 whole ID validated" },
  { input: "spiffe://example.org/.", error: E.dotSeg, rule: "ID-21 whole ID validated" },
  { input: "spiffe://example.org//a", error: E.emptySeg, rule: "ID-21 whole ID validated" },
  { input: "spiffe://example.org/p?x", error: E.pathChar, rule: "ID-21 whole ID validated" },
  { input: "spiffe://example.org/a b", error: E.pathChar, rule: "ID-21 whole ID validated" },
];

for (const c of INVALID) {
  Deno.test(`TrustDomain.parse rejects ${label(c.input)} (${c.rule})`, () => {
    assertSpiffeIdError(() => TrustDomain.parse(c.input), c.error);
  });
}

Deno.test("TrustDomain.parse: bare name accepts exactly [a-z0-9._-] (ID-04, sweep)", () => {
  for (let code = 0; code < 0x100; code++) {
    const ch = String.fromCharCode(code);
    const input = `x${ch}y`;
    if (TD_CHARS.includes(ch)) {
      assert.strictEqual(TrustDomain.parse(input).name, input);
    } else {
      assertSpiffeIdError(() => TrustDomain.parse(input), E.tdChar);
    }
  }
});

Deno.test("TrustDomain.parse rejects every control byte (ID-04)", () => {
  for (let b = 0; b <= 0x1f; b++) {
    assertSpiffeIdError(() => TrustDomain.parse(`exa${String.fromCharCode(b)}mple`), E.tdChar);
  }
  assertSpiffeIdError(() => TrustDomain.parse("exa\x7fmple"), E.tdChar);
});

// Length limit (ID-13): 255 bytes accepted, 256 rejected, on both parse paths.
Deno.test("TrustDomain.parse accepts a 255-byte name, bare and as an ID (ID-13)", () => {
  const name = "a".repeat(255);
  assert.strictEqual(TrustDomain.parse(name).name, name);
  assert.strictEqual(TrustDomain.parse(`spiffe://${name}`).name, name);
  assert.strictEqual(TrustDomain.parse(`spiffe://${name}/w`).name, name);
  const dotted = `${"abcdefgh.".repeat(28)}abc`;
  assert.strictEqual(dotted.length, 255);
  assert.strictEqual(TrustDomain.parse(dotted).name, dotted);
});
Deno.test("TrustDomain.parse rejects a 256-byte name, bare and as an ID (ID-13)", () => {
  const name = "a".repeat(256);
  assertSpiffeIdError(() => TrustDomain.parse(name), E.tdTooLong);
  assertSpiffeIdError(() => TrustDomain.parse(`spiffe://${name}`), E.tdTooLong);
  assertSpiffeIdError(() => TrustDomain.parse(`spiffe://${name}/w`), E.tdTooLong);
  assertSpiffeIdError(() => TrustDomain.parse("b".repeat(5000)), E.tdTooLong);
});
Deno.test("TrustDomain.parse: a full ID over 2048 bytes is rejected (ID-13, ID-21)", () => {
  const input = `spiffe://example.org/${"a".repeat(2048)}`;
  assertSpiffeIdError(() => TrustDomain.parse(input), E.idTooLong);
  const exact = `spiffe://example.org/${"a".repeat(2048 - "spiffe://example.org/".length)}`;
  assert.strictEqual(exact.length, 2048);
  assert.strictEqual(TrustDomain.parse(exact).name, "example.org");
});
Deno.test("TrustDomain.parse: character errors come before the length error", () => {
  assertSpiffeIdError(() => TrustDomain.parse(`${"a".repeat(300)}A`), E.tdChar);
  assertSpiffeIdError(() => TrustDomain.parse(`${"a".repeat(300)}:`), E.tdChar);
});

Deno.test("TrustDomain.equals is exact name equality (ID-14, ID-22)", () => {
  const td = TrustDomain.parse("example.org");
  assert.ok(td.equals(td));
  assert.ok(td.equals(TrustDomain.parse("example.org")));
  assert.ok(td.equals(TrustDomain.parse("spiffe://example.org")));
  assert.ok(td.equals(TrustDomain.parse("spiffe://example.org/a/b")));
  assert.ok(td.equals(SpiffeId.parse("spiffe://example.org/x").trustDomain));
  assert.ok(!td.equals(TrustDomain.parse("example.com")));
  assert.ok(!td.equals(TrustDomain.parse("example.org.")));
  assert.ok(!td.equals(TrustDomain.parse("sub.example.org")));
  assert.ok(!td.equals(TrustDomain.parse("example.or")));
});

Deno.test("TrustDomain.name / toString / toJSON / idString", () => {
  const td = TrustDomain.parse("spiffe://example.org/workload");
  assert.strictEqual(td.name, "example.org");
  assert.strictEqual(td.toString(), "example.org");
  assert.strictEqual(`${td}`, "example.org");
  assert.strictEqual(String(td), "example.org");
  assert.strictEqual(td.toJSON(), "example.org");
  assert.strictEqual(JSON.stringify({ td }), '{"td":"example.org"}');
  assert.strictEqual(td.idString(), "spiffe://example.org");
  const root = SpiffeId.parse(td.idString());
  assert.strictEqual(root.path, "");
  assert.ok(root.trustDomain.equals(td));
  assert.strictEqual(TrustDomain.parse("1.2.3.4").idString(), "spiffe://1.2.3.4");
});
