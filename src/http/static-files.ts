// The web pages as a slow phone network wants them: bundles precompressed at build time (brotli, else gzip) and
// content-hashed chunks cached for a year; entry scripts and pages revalidate (ETag) so a new build shows at once;
// each page names its first-screen chunks (modulepreload) so a phone asks for them all in one round trip.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import express, { type NextFunction, type Request, type Response } from "express";
import { PRELOAD_MANIFEST } from "./web-bundle.js";

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

/** The best precompressed form of `file` the client accepts, or undefined for the plain file. */
function negotiated(req: Request, file: string): { file: string; encoding: string } | undefined {
  // Asked one by one: brotli whenever it is acceptable at all, whatever order the client listed them in.
  if (req.acceptsEncodings("br") === "br" && existsSync(`${file}.br`)) return { file: `${file}.br`, encoding: "br" };
  if (req.acceptsEncodings("gzip") === "gzip" && existsSync(`${file}.gz`)) return { file: `${file}.gz`, encoding: "gzip" };
  return undefined;
}

/** Mounts the pages and bundles on `app` (after the API: an API request never costs a file-system lookup). */
export function mountStaticFiles(app: express.Express, dir: string): void {
  const dist = path.join(dir, "dist");
  app.use("/dist", (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    let rel: string;
    try {
      rel = path.normalize(decodeURIComponent(req.path)).replace(/^[/\\]+/, "");
    } catch {
      return next();
    }
    const file = path.join(dist, rel);
    if (!rel.endsWith(".js") || !file.startsWith(dist + path.sep) || !existsSync(file) || !statSync(file).isFile()) return next();
    const pick = negotiated(req, file);
    res.setHeader("vary", "Accept-Encoding");
    res.setHeader("content-type", "text/javascript; charset=utf-8");
    res.setHeader("cache-control", rel.startsWith(`chunks${path.sep}`) ? IMMUTABLE : REVALIDATE);
    if (pick) res.setHeader("content-encoding", pick.encoding);
    res.sendFile(pick?.file ?? file, { cacheControl: false, etag: true, lastModified: true }, (e) => e && next(e));
  });
  app.get(/^\/([a-z-]+\.html)?$/, (req: Request, res: Response, next: NextFunction) => {
    const file = path.join(dir, req.params[0] ?? "index.html");
    if (!existsSync(file)) return next();
    const html = withPreloads(readFileSync(file, "utf8"), dist);
    const etag = `"${createHash("sha256").update(html).digest("base64url").slice(0, 22)}"`;
    res.setHeader("cache-control", REVALIDATE);
    res.setHeader("etag", etag);
    if (req.get("if-none-match") === etag) return void res.status(304).end();
    res.type("html").send(html);
  });
  app.use(express.static(dir, { index: "index.html", cacheControl: false, setHeaders: (res) => res.setHeader("cache-control", REVALIDATE) }));
}

/**
 * The page with a modulepreload link for every chunk its entry script imports statically (dist/preload.json,
 * written by the build): the browser fetches them alongside the entry instead of one round trip after it.
 */
function withPreloads(html: string, dist: string): string {
  let manifest: Record<string, string[]>;
  try {
    manifest = JSON.parse(readFileSync(path.join(dist, PRELOAD_MANIFEST), "utf8")) as Record<string, string[]>;
  } catch {
    return html; // no build yet: the page still works, one round trip slower
  }
  return html.replace(/<script type="module" src="\/dist\/([a-z-]+)\.js"><\/script>/, (tag, name: string) =>
    [tag, ...(manifest[name] ?? []).map((c) => `<link rel="modulepreload" href="/dist/${c}">`)].join("\n"),
  );
}
