// Which Chromium the browser tests drive. CHROMIUM_PATH when set (it must exist: .ci/run points it at Debian's),
// else Debian's /usr/bin/chromium when installed, else the headless Chromium that ships inside the npm package
// @sparticuz/chromium (installed by `npm ci`; nothing is downloaded at run time). That one is unpacked once into
// node_modules/.cache, runs on the NSS/expat libraries shipped beside it (a bare Debian has none of its own), and
// sees only the fonts we give it through FONTCONFIG_FILE: Noto Sans SC (@embedpdf/fonts-sc) for the CJK text and
// DejaVu (dejavu-fonts-ttf) for the monospace codes, so screenshots render Chinese on any machine.
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createBrotliDecompress } from "node:zlib";

export interface ChromiumChoice {
  executablePath: string;
  /** Extra environment for the browser process (the registry build's libraries and fonts). */
  env?: Record<string, string>;
  /** What is being used, for the test log. */
  source: string;
}

const SYSTEM_CHROMIUM = "/usr/bin/chromium";
const require = createRequire(import.meta.url);

export async function chooseChromium(): Promise<ChromiumChoice> {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} does not exist: unset it to use /usr/bin/chromium or the npm package @sparticuz/chromium`);
    return { executablePath: explicit, source: `CHROMIUM_PATH (${explicit})` };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, source: `Debian's ${SYSTEM_CHROMIUM}` };
  return registryChromium();
}

let unpacked: Promise<ChromiumChoice> | undefined;

/** The npm-registry Chromium, unpacked on first use (about 2 s) and reused by later runs of the same install. */
export function registryChromium(): Promise<ChromiumChoice> {
  return (unpacked ??= unpack());
}

async function unpack(): Promise<ChromiumChoice> {
  const pkg = packageDir("@sparticuz/chromium");
  if (!pkg) throw new Error("No Chromium for the browser tests: install Debian's (apt-get install chromium), set CHROMIUM_PATH, or run `npm ci` so that the dev dependency @sparticuz/chromium is there");
  const version = (JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8")) as { version: string }).version;
  const dir = path.join(fileURLToPath(new URL("../../node_modules/.cache/anxin-chromium/", import.meta.url)), version);
  const exe = path.join(dir, "chromium");
  if (!existsSync(exe)) {
    // Unpack beside the final place and rename: a run stopped half-way leaves no broken browser behind.
    const part = `${dir}.part-${process.pid}`;
    rmSync(part, { recursive: true, force: true });
    await mkdir(part, { recursive: true });
    await pipeline(createReadStream(path.join(pkg, "bin/chromium.br")), createBrotliDecompress(), createWriteStream(path.join(part, "chromium")));
    await chmod(path.join(part, "chromium"), 0o755);
    // Its shared libraries (NSS, NSPR, expat), built for the serverless image the package targets.
    const tar = require(require.resolve("tar-fs", { paths: [pkg] })) as { extract(dir: string): NodeJS.WritableStream };
    await pipeline(createReadStream(path.join(pkg, "bin/al2023.tar.br")), createBrotliDecompress(), tar.extract(part));
    try {
      renameSync(part, dir);
    } catch (e) {
      rmSync(part, { recursive: true, force: true }); // another process got there first
      if (!existsSync(exe)) throw e;
    }
  }
  const fontsConf = path.join(dir, "fonts.conf");
  const cache = path.join(dir, "fontconfig-cache");
  mkdirSync(cache, { recursive: true });
  writeFileSync(fontsConf, fontconfig([fontDir("@embedpdf/fonts-sc", "fonts"), fontDir("dejavu-fonts-ttf", "ttf")], cache));
  const lib = path.join(dir, "lib");
  return {
    executablePath: exe,
    env: { FONTCONFIG_FILE: fontsConf, LD_LIBRARY_PATH: [lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":") },
    source: `@sparticuz/chromium ${version} (npm), fonts from @embedpdf/fonts-sc and dejavu-fonts-ttf`,
  };
}

/** An installed package's folder (its files, not its exports: these packages export no data paths). */
function packageDir(name: string): string | undefined {
  return (require.resolve.paths(name) ?? []).map((d) => path.join(d, name)).find((d) => existsSync(path.join(d, "package.json")));
}

function fontDir(pkg: string, sub: string): string {
  const dir = packageDir(pkg);
  if (!dir) throw new Error(`the browser tests' fonts come from the dev dependency ${pkg}: run \`npm ci\``);
  return path.join(dir, sub);
}

/** Only our fonts; the page's CSS families (Noto Sans CJK SC, DejaVu Sans Mono, sans-serif, monospace) map onto them. */
function fontconfig(dirs: string[], cache: string): string {
  const alias = (family: string, prefer: string) => `  <alias binding="same"><family>${family}</family><prefer><family>${prefer}</family></prefer></alias>`;
  const sc = "Noto Sans S Chinese";
  return [
    `<?xml version="1.0"?>`,
    `<!DOCTYPE fontconfig SYSTEM "fonts.dtd">`,
    `<fontconfig>`,
    ...dirs.map((d) => `  <dir>${d}</dir>`),
    `  <cachedir>${cache}</cachedir>`,
    ...["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif", "serif"].map((f) => alias(f, sc)),
    ...["monospace", "Consolas"].map((f) => alias(f, "DejaVu Sans Mono")),
    `</fontconfig>`,
    ``,
  ].join("\n");
}
