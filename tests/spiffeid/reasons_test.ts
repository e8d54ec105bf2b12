// Every SpiffeIdErrorReason is produced (issue 13). The table is a Record over the reason union,
// so a reason added to the type without a case here fails the type check; the other spiffeid
// tests assert the reason of every case too.
import { SpiffeId, type SpiffeIdErrorReason, TrustDomain } from "../../mod.ts";
import { assertSpiffeIdError, E, type Expected } from "./_helpers.ts";

const TD = TrustDomain.parse("example.org");

const CASES: Record<SpiffeIdErrorReason, { fn: () => unknown; expected: Expected }> = {
  "empty": { fn: () => SpiffeId.parse(""), expected: E.empty },
  "wrong-scheme": { fn: () => SpiffeId.parse("https://example.org/a"), expected: E.scheme },
  "missing-trust-domain": { fn: () => TrustDomain.parse(""), expected: E.tdMissing },
  "bad-trust-domain-char": { fn: () => TrustDomain.parse("Example.org"), expected: E.tdChar },
  "bad-path-segment-char": { fn: () => SpiffeId.fromSegments(TD, "a b"), expected: E.pathChar },
  "empty-segment": { fn: () => SpiffeId.parse("spiffe://example.org//a"), expected: E.emptySeg },
  "dot-segment": { fn: () => SpiffeId.fromPath(TD, "/a/.."), expected: E.dotSeg },
  "trailing-slash": { fn: () => SpiffeId.parse("spiffe://example.org/a/"), expected: E.trailing },
  "no-leading-slash": { fn: () => SpiffeId.fromPath(TD, "a"), expected: E.leading },
  "id-too-long": {
    fn: () => SpiffeId.parse(`spiffe://example.org/${"a".repeat(2048)}`),
    expected: E.idTooLong,
  },
  "trust-domain-too-long": { fn: () => TrustDomain.parse("a".repeat(256)), expected: E.tdTooLong },
};

for (const [reason, { fn, expected }] of Object.entries(CASES)) {
  Deno.test(`SpiffeIdError reason "${reason}"`, () => {
    if (expected.reason !== reason) {
      throw new Error(`the table pairs ${reason} with ${expected.reason}`);
    }
    assertSpiffeIdError(fn, expected);
  });
}
