// The SPIRE checks' JWT-SVID probe, with the public API only: fetches a JWT-SVID for
// --audience and the JWT bundles, validates the token locally (JwtSvid.parseAndValidate)
// and through the agent (ValidateJWTSVID), then checks that both refuse it for
// --wrong-audience; then does the same through a JwtSource, and checks that a BundleSource
// holds the trust domain's X.509 and JWT bundles. One line per step, `ok <step>` or `FAIL <step>: <error>`, and
// `token <jwt>` for cross-checks; exits 1 on any failure.
// Permissions: those of `deno task client`.
import process from "node:process";
import { parseArgs } from "node:util";
import { BundleSource, JwtSource, JwtSvid, WorkloadApiClient } from "@spiffe-ts/spiffe";

const { values: flags } = parseArgs({
  options: {
    socket: { type: "string", default: "unix:///tmp/agent.sock" },
    audience: { type: "string", default: "spiffe://example.org/server" },
    "wrong-audience": { type: "string", default: "spiffe://example.org/other" },
    "expect-id": { type: "string", default: "spiffe://example.org/client" },
  },
});
const audience = flags.audience!;
const wrong = flags["wrong-audience"]!;
const expectId = flags["expect-id"]!;

let failed = false;
async function step(name: string, fn: () => unknown): Promise<void> {
  try {
    const detail = await fn();
    console.log(`ok ${name}${detail ? ` ${detail}` : ""}`);
  } catch (err) {
    failed = true;
    console.log(`FAIL ${name}: ${(err as Error).message}`);
  }
}
async function refused(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    return `(${(err as Error).message})`;
  }
  throw new Error("accepted");
}

const signal = AbortSignal.timeout(10_000);
const client = new WorkloadApiClient({ address: flags.socket });
try {
  const svid = await client.fetchJwtSvid({ audience }, { signal });
  const token = svid.marshal();
  console.log(`token ${token}`);
  await step("fetchJwtSvid", () => {
    if (svid.id.toString() !== expectId) throw new Error(`id ${svid.id}, want ${expectId}`);
    if (!svid.audience.includes(audience)) throw new Error(`audience ${svid.audience}`);
    return `${svid.id} exp ${svid.expiresAt.toISOString()}`;
  });
  const bundles = await client.fetchJwtBundles({ signal });
  await step("fetchJwtBundles", () => {
    const bundle = bundles.getJwtBundleForTrustDomain(svid.id.trustDomain);
    if (!bundle) throw new Error(`no bundle for ${svid.id.trustDomain}`);
    return `${bundle.jwtAuthorities().size} authorities`;
  });
  await step("parseAndValidate", () => {
    const local = JwtSvid.parseAndValidate(token, bundles, audience);
    if (local.id.toString() !== expectId) throw new Error(`id ${local.id}`);
  });
  await step("validateJwtSvid", async () => {
    const remote = await client.validateJwtSvid(token, audience, { signal });
    if (remote.id.toString() !== expectId) throw new Error(`id ${remote.id}`);
  });
  await step(
    "parseAndValidate refuses the wrong audience",
    () => refused(() => JwtSvid.parseAndValidate(token, bundles, wrong)),
  );
  await step(
    "validateJwtSvid refuses the wrong audience",
    () => refused(() => client.validateJwtSvid(token, wrong, { signal })),
  );
  await step("JwtSource: fetchJwtSvid, validated with its own bundles", async () => {
    await using source = await JwtSource.create({ address: flags.socket, signal });
    const fromSource = await source.fetchJwtSvid({ audience }, { signal });
    const checked = JwtSvid.parseAndValidate(fromSource.marshal(), source, audience);
    if (checked.id.toString() !== expectId) throw new Error(`id ${checked.id}`);
    await refused(() => JwtSvid.parseAndValidate(fromSource.marshal(), source, wrong));
  });
  await step("BundleSource: the trust domain's X.509 and JWT bundles", async () => {
    await using source = await BundleSource.create({ address: flags.socket, signal });
    const td = svid.id.trustDomain;
    const x509 = source.getX509BundleForTrustDomain(td).x509Authorities().length;
    const jwt = source.getJwtBundleForTrustDomain(td).jwtAuthorities().size;
    const want = bundles.getJwtBundleForTrustDomain(td)!.jwtAuthorities().size;
    if (x509 < 1 || jwt !== want) {
      throw new Error(`${x509} X.509 roots, ${jwt} JWT keys (want ${want})`);
    }
    return `${x509} X.509 roots, ${jwt} JWT keys`;
  });
} catch (err) {
  failed = true;
  console.log(`FAIL fetch: ${(err as Error).message}`);
} finally {
  await client.close();
}
process.exitCode = failed ? 1 : 0;
