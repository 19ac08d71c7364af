// Builds the browser bundle (src/web/dist/*.js) from src/web/app/*.ts with esbuild when it is missing or older
// than its sources, so `npm start` and the tests need no separate build step. Only the pure core is bundled:
// keys, encryption and signing run in the browser and never reach the server.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const webDir = path.join(root, "src/web");
const appDir = path.join(webDir, "app");
const distDir = path.join(webDir, "dist");
/** Page entry points: one bundle per page. */
export const ENTRIES = ["index", "resident", "counselor", "auditor", "admin"];
/** Everything a bundle can import: a change in any of these rebuilds. */
const SOURCE_DIRS = ["src/web/app", "src/client", "src/crypto", "src/consent", "src/assess", "src/log", "src/deid", "src/matching"].map((d) => path.join(root, d));

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function oldestOutput(): number {
  let oldest = Infinity;
  for (const name of ENTRIES) {
    const p = path.join(distDir, `${name}.js`);
    if (!existsSync(p)) return 0;
    oldest = Math.min(oldest, statSync(p).mtimeMs);
  }
  return oldest;
}

export function webBundleIsStale(): boolean {
  if (!existsSync(appDir)) return false;
  if (!existsSync(path.join(distDir, PRELOAD_MANIFEST))) return true; // built before the per-page manifest
  // A change to this build (its shims, its splitting) rebuilds too.
  return oldestOutput() < Math.max(statSync(fileURLToPath(import.meta.url)).mtimeMs, ...SOURCE_DIRS.map(newestMtime));
}

/** Builds the bundle unconditionally. */
export async function buildWebBundle(opts: { minify?: boolean } = {}): Promise<void> {
  const esbuild = await import("esbuild");
  const sha256Shim = path.join(appDir, "shims/log-sha256.ts");
  const sodiumShim = path.join(appDir, "shims/sodium.ts");
  const zodLocalesShim = path.join(appDir, "shims/zod-locales.ts");
  const inCore = (importer: string, dir: string) => importer.includes(`${path.sep}src${path.sep}${dir}${path.sep}`);
  // One build per page: its entry holds all it needs for the first screen, split only from what it loads later
  // (import()). Chunks shared between pages would cost a phone on HTTP/1.1 more requests than its six connections
  // carry at once, each waiting a full 3G round trip; a resident rarely opens another page anyway.
  const build = (entry: string) => esbuild.build({
    write: false,
    metafile: true,
    absWorkingDir: root,
    entryPoints: [path.join(appDir, `${entry}.ts`)],
    outdir: distDir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: opts.minify ?? true,
    sourcemap: false,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    legalComments: "none",
    logLevel: "warning",
    // libsodium's emscripten loader names node built-ins behind a runtime check; the browser never loads them.
    external: ["fs", "path", "crypto", "node:fs", "node:path", "node:crypto"],
    plugins: [
      {
        // The log core hashes with node:crypto for speed on the server; the browser gets @noble/hashes.
        name: "anxin-browser-shims",
        setup(build) {
          build.onResolve({ filter: /\/sha256\.js$/ }, (args) => (inCore(args.importer, "log") ? { path: sha256Shim } : undefined));
          // The crypto core loads libsodium at once on the server; the browser loads it on first use (its own chunk).
          build.onResolve({ filter: /^\.\/sodium\.js$/ }, (args) => (inCore(args.importer, "crypto") ? { path: sodiumShim } : undefined));
          build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/zod[\\/]v4[\\/](classic[\\/]external|core[\\/]index)\.js$/.test(args.importer) ? { path: zodLocalesShim } : undefined));
        },
      },
    ],
  });
  const results = await Promise.all(ENTRIES.map(build));
  // A chunk two builds both produce has the same name only when it has the same content (the name is its hash).
  const outputFiles = [...new Map(results.flatMap((r) => r.outputFiles).map((f) => [f.path, f])).values()];
  const result = { outputFiles, metafile: { outputs: Object.assign({}, ...results.map((r) => r.metafile.outputs)) as Record<string, { entryPoint?: string; imports: Array<{ path: string; kind: string }> }> } };
  // Each file is written whole then renamed, so a server starting alongside never serves a half-written bundle.
  // Chunks first, entry points last: an entry never points at a chunk that is not there yet.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path.includes("/chunks/")) - Number(b.path.includes("/chunks/"))).reverse();
  // Each file also gets its brotli and gzip forms, written before it: slow networks fetch a quarter of the bytes.
  for (const f of files) {
    mkdirSync(path.dirname(f.path), { recursive: true });
    writeWhole(`${f.path}.br`, brotliCompressSync(f.contents, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: f.contents.length } }));
    writeWhole(`${f.path}.gz`, gzipSync(f.contents, { level: 9 }));
    writeWhole(f.path, f.contents);
  }
  // Each page names the chunks its entry imports statically, so the HTML can ask for them all at once
  // (modulepreload) instead of after the entry arrives: one round trip less on a 3G phone.
  writeWhole(path.join(distDir, PRELOAD_MANIFEST), Buffer.from(JSON.stringify(preloadsOf(result.metafile))));
  removeStaleChunks(new Set(result.outputFiles.map((f) => f.path)));
}

export const PRELOAD_MANIFEST = "preload.json";

/** Entry name → the chunks (paths under dist/) it imports statically, directly or through other chunks. */
function preloadsOf(meta: { outputs: Record<string, { entryPoint?: string; imports: Array<{ path: string; kind: string }> }> }): Record<string, string[]> {
  const rel = (p: string) => path.relative(distDir, path.resolve(root, p)).split(path.sep).join("/");
  const out: Record<string, string[]> = {};
  for (const [file, o] of Object.entries(meta.outputs)) {
    const name = path.basename(file, ".js");
    if (!o.entryPoint || !ENTRIES.includes(name) || rel(file).includes("/")) continue;
    const seen = new Set<string>();
    const walk = (f: string) => {
      for (const i of meta.outputs[f]?.imports ?? []) if (i.kind === "import-statement" && !seen.has(i.path)) (seen.add(i.path), walk(i.path));
    };
    walk(file);
    out[name] = [...seen].map(rel);
  }
  return out;
}

function writeWhole(file: string, contents: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/** Chunks are named by their content hash: an old build's chunks are never asked for again once entries change. */
function removeStaleChunks(current: Set<string>): void {
  const dir = path.join(distDir, "chunks");
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const base = file.replace(/\.(br|gz)$/, "");
    if (!current.has(base) && !name.endsWith(".tmp")) rmSync(file, { force: true });
  }
}

/** Builds only when stale. Returns true when it built. */
export async function ensureWebBundle(): Promise<boolean> {
  if (!webBundleIsStale()) return false;
  await buildWebBundle();
  return true;
}
