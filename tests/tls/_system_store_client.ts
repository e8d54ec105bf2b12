// Child process of refusals_test.ts, started with DENO_CERT / NODE_EXTRA_CA_CERTS naming
// a root that the test's server chains to: that root is then in this process's default
// ("system") store. Dials the server twice and prints one JSON line:
// - `plain`: plain node:tls with no `ca` (the default store) and no host name check;
// - `spiffe`: dialWithMode(tlsClientWithRawConfig(authorizeAny(), bundle)), where the
//   bundle (from the file in argv[1]) does NOT hold that root;
// - `https`: https.request with tlsClientOptions(bundle, authorizeAny()) and `agent: false`
//   (Deno's https agent adds the default store as `ca` when NODE_EXTRA_CA_CERTS is set).
import { request } from "node:https";
import { connect } from "node:tls";
import {
  authorizeAny,
  dialWithMode,
  tlsClientOptions,
  tlsClientWithRawConfig,
  TrustDomain,
  X509Bundle,
} from "../../mod.ts";

const [port, bundleFile] = Deno.args;

function plain(): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      host: "127.0.0.1",
      port: Number(port),
      checkServerIdentity: () => undefined,
    });
    socket.once("secureConnect", () => {
      resolve(socket.authorized ? "accepted" : `unauthorized: ${socket.authorizationError}`);
      socket.destroy();
    });
    socket.once("error", (err) => resolve(`refused: ${err.message}`));
  });
}

const bundle = X509Bundle.parse(
  TrustDomain.parse("example.org"),
  await Deno.readTextFile(bundleFile),
);

async function spiffe(): Promise<string> {
  try {
    const socket = await dialWithMode(
      { hostname: "127.0.0.1", port: Number(port) },
      tlsClientWithRawConfig(authorizeAny(), bundle),
    );
    socket.destroy();
    return "accepted";
  } catch (err) {
    return `refused: ${(err as Error).message}`;
  }
}

function https(): Promise<string> {
  return new Promise((resolve) => {
    const req = request({
      host: "127.0.0.1",
      port: Number(port),
      ...tlsClientOptions(bundle, authorizeAny()),
      agent: false,
    }, (res) => {
      res.resume();
      resolve(`accepted: ${res.statusCode}`);
    });
    req.on("error", (err) => resolve(`refused: ${err.message}`));
    req.end();
  });
}

console.log(JSON.stringify({ plain: await plain(), spiffe: await spiffe(), https: await https() }));
