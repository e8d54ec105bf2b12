import assert from "node:assert";
import { splitDerCertificates } from "../../src/_internal/der.ts";

function assertSyntaxError(bytes: number[], message: string) {
  assert.throws(() => splitDerCertificates(new Uint8Array(bytes)), (err) => {
    assert.ok(err instanceof SyntaxError);
    assert.equal(err.message, message);
    return true;
  });
}

Deno.test("splitDerCertificates: empty input gives no certificates", () => {
  assert.deepEqual(splitDerCertificates(new Uint8Array()), []);
});

Deno.test("splitDerCertificates: splits short- and long-form lengths into views", () => {
  const long = [0x30, 0x81, 0x80, ...new Array(0x80).fill(7)];
  const bytes = new Uint8Array([0x30, 0x01, 0x05, ...long, 0x30, 0x00]);
  const parts = splitDerCertificates(bytes);
  assert.deepEqual(parts.map((p) => p.length), [3, 131, 2]);
  assert.equal(parts[1].buffer, bytes.buffer); // a view, not a copy
  assert.equal(parts[1].byteOffset, 3);
});

Deno.test("splitDerCertificates: rejects malformed and truncated input", () => {
  assertSyntaxError(
    [0x30, 0x00, 0x04, 0x00],
    "malformed DER: certificate 1 does not start with a SEQUENCE tag at offset 2",
  );
  assertSyntaxError([0x30], "truncated DER: certificate 0 has no length");
  assertSyntaxError(
    [0x30, 0x80, 0x00, 0x00],
    "malformed DER: certificate 0 uses an indefinite length",
  );
  assertSyntaxError(
    [0x30, 0x85, 1, 1, 1, 1, 1],
    "malformed DER: certificate 0 has a 5-byte length",
  );
  assertSyntaxError([0x30, 0x82, 0x01], "truncated DER: certificate 0 has an incomplete length");
  assertSyntaxError([0x30, 0x03, 0x01], "truncated DER: certificate 0 needs 5 bytes, 3 remain");
  assertSyntaxError(
    [0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
    "truncated DER: certificate 0 needs 4294967301 bytes, 6 remain",
  );
});
