// dnt.ts: builds the npm package of spiffe-ts into npm/ (`deno task build:npm`).
//
// dnt (jsr:@deno/dnt) is published only on JSR, which this environment cannot reach,
// so this script does dnt's job itself with the TypeScript compiler from npm:
//   1. compiles mod.ts and every other export (./devagent) to ESM JavaScript plus .d.ts
//      in npm/esm/, rewriting the `.ts` suffixes of relative imports to `.js`; the
//      committed protobufjs codec (already JavaScript) is copied beside them;
//   2. writes npm/package.json from deno.json: name `spiffe-ts`, version, license,
//      `type: module`, an `exports` map with types, `engines.node >= 20`, and the
//      `dependencies` from deno.json's `npm:` pins (build-only tools excluded);
//   3. compiles the hello examples (examples/spiffe-tls) into npm/esm/examples, their
//      `@spiffe-ts/spiffe` imports renamed to the npm name `spiffe-ts` (a package may
//      import itself by name), so `node esm/examples/spiffe-tls/server.js` runs as is;
//   4. copies README.md and LICENSE.
// The sources import npm packages by bare name through deno.json's import map, which is
// what Node resolves from `dependencies`, and use only `node:*` built-ins and web
// globals (no `Deno.*`), so the emitted code runs on Node 20 unchanged.
// Then `deno task test:node` runs tests/node/ with `node --test` against npm/.
// Build-only tools are pinned here, not in deno.json, so that running the library never
// installs them.
// deno-lint-ignore no-import-prefix
import ts from "npm:typescript@5.9.3";
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";

const ROOT = dirname(new URL(import.meta.url).pathname);
const OUT = join(ROOT, "npm");
const ESM = join(OUT, "esm");
/** npm packages in deno.json used only to type-check, never at run time. */
const BUILD_ONLY = new Set(["@types/node"]);
/** The examples shipped in the package, compiled like the library. */
const EXAMPLES = ["examples/spiffe-tls/server.ts", "examples/spiffe-tls/client.ts"];
const JSR_NAME = "@spiffe-ts/spiffe";
const NPM_NAME = "spiffe-ts";
/** The committed generated codec: plain JavaScript with its own declarations. */
const CODEC_DIR = "src/_proto";
const CODEC_FILES = ["workload.js", "workload.d.ts"];

interface DenoJson {
  name: string;
  version: string;
  license: string;
  exports: Record<string, string>;
  imports: Record<string, string>;
}

/** `npm:name@1.2.3` → ["name", "1.2.3"]. */
function npmPin(specifier: string): [string, string] | undefined {
  const match = /^npm:(@?[^@]+)@([^/]+)$/.exec(specifier);
  return match ? [match[1], match[2]] : undefined;
}

function compile(entryPoints: string[], exports: Record<string, string>): void {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2023.d.ts", "lib.dom.d.ts", "lib.esnext.disposable.d.ts"],
    types: ["node"],
    strict: true,
    declaration: true,
    sourceMap: false,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    rootDir: ROOT,
    outDir: ESM,
    // The examples import the package by its JSR name, as users do.
    paths: Object.fromEntries(
      Object.entries(exports).map(([key, source]) => [join(JSR_NAME, key), [join(ROOT, source)]]),
    ),
    newLine: ts.NewLineKind.LineFeed,
  };
  const program = ts.createProgram(entryPoints.map((entry) => join(ROOT, entry)), options);
  const result = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) {
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => ROOT,
      getNewLine: () => "\n",
    };
    throw new Error(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  }
}

/**
 * Rewrites what tsc leaves for Node: `./x.ts` to `./x.js` in declaration files (tsc
 * rewrites JavaScript itself), and the JSR package name to the npm one.
 */
async function fixSpecifiers(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await fixSpecifiers(path);
    else if (entry.name.endsWith(".js") || entry.name.endsWith(".d.ts")) {
      const text = await readFile(path, "utf8");
      const fixed = text
        .replace(/((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+)\.ts(["'])/g, "$1$2.js$3")
        .replaceAll(`"${JSR_NAME}`, `"${NPM_NAME}`);
      if (fixed !== text) await writeFile(path, fixed);
    }
  }
}

function packageJson(deno: DenoJson): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  for (const [key, source] of Object.entries(deno.exports)) {
    const base = `./esm/${source.replace(/^\.\//, "").replace(/\.ts$/, "")}`;
    // `require` loads the same ES module: require(esm), Node 20.19 and later (no top-level
    // await anywhere in the library, which require(esm) needs).
    exports[key] = { types: `${base}.d.ts`, import: `${base}.js`, require: `${base}.js` };
  }
  const dependencies: Record<string, string> = {};
  for (const specifier of Object.values(deno.imports)) {
    const pin = npmPin(specifier);
    if (pin && !BUILD_ONLY.has(pin[0])) dependencies[pin[0]] = pin[1];
  }
  return {
    name: NPM_NAME,
    version: deno.version,
    description:
      "SPIFFE workload identity and mutual TLS for TypeScript: SPIFFE IDs, bundles, X509/JWT-SVIDs, the Workload API with self-updating sources, and mTLS on node:tls.",
    license: deno.license,
    type: "module",
    main: "./esm/mod.js",
    types: "./esm/mod.d.ts",
    exports,
    engines: { node: ">=20" },
    files: ["esm/", "README.md", "LICENSE"],
    keywords: ["spiffe", "spire", "mtls", "workload-identity", "x509", "jwt", "deno"],
    dependencies,
  };
}

/** Builds npm/ and returns its path. */
export async function buildNpm(): Promise<string> {
  const deno = JSON.parse(await readFile(join(ROOT, "deno.json"), "utf8")) as DenoJson;
  await rm(OUT, { recursive: true, force: true });
  await mkdir(ESM, { recursive: true });
  compile([...Object.values(deno.exports), ...EXAMPLES], deno.exports);
  for (const file of CODEC_FILES) {
    await cp(join(ROOT, CODEC_DIR, file), join(ESM, CODEC_DIR, file));
  }
  await fixSpecifiers(ESM);
  await writeFile(join(OUT, "package.json"), JSON.stringify(packageJson(deno), null, 2) + "\n");
  for (const file of ["README.md", "LICENSE"]) await cp(join(ROOT, file), join(OUT, file));
  return OUT;
}

if (import.meta.main) {
  const out = await buildNpm();
  console.log(`built ${relative(ROOT, out)}/ (package spiffe-ts)`);
}
