// Child process of listen_permission_test.ts, run with `--allow-net=localhost:PORT` only:
// listens on localhost:PORT, which Deno checks as the address localhost resolves to. Prints
// one JSON line with what listenWithMode threw (or "listening"), and exits 0, unless the
// denial escaped as an uncaught rejection (Deno then exits 1 with "Uncaught").
import { listenWithMode, SpiffeId, tlsServerWithRawConfig, TrustDomain } from "../../mod.ts";
import { CertificateAuthority } from "../../src/devagent/mod.ts";

const port = Number(Deno.args[0]);
const ca = await CertificateAuthority.create({ trustDomain: TrustDomain.parse("example.org") });
const svid = await ca.issueX509Svid(SpiffeId.parse("spiffe://example.org/server"), 60_000);
try {
  const server = await listenWithMode(
    { hostname: "localhost", port },
    tlsServerWithRawConfig({ getX509Svid: () => svid }),
  );
  server.close();
  console.log(JSON.stringify({ outcome: "listening" }));
} catch (err) {
  const error = err as Error;
  console.log(JSON.stringify({
    outcome: "refused",
    isNotCapable: err instanceof Deno.errors.NotCapable,
    message: error.message,
  }));
}
