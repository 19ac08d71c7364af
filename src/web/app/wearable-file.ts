// The resident page's wearable file reader: any accepted export (Apple Health export.zip/export.xml, Garmin .fit,
// Huawei Health JSON, Anxin CSV/JSON) is recognised by content and streamed from the File in this browser; only
// the daily index leaves the device. The readers load on first use (a separate chunk), so the page stays small.
import { detectWarnings, stressIndex } from "../../assess/index.js";

/** What the file chooser offers; content decides the format, so this only helps the phone's picker. */
export const WEARABLE_ACCEPT = ".csv,.json,.xml,.zip,.fit,text/csv,application/json,text/xml,application/xml,application/zip,application/octet-stream";

async function* chunksOf(f: Blob): AsyncIterable<Uint8Array> {
  const reader = f.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

/** Reads and scores a file; onProgress gets whole percent steps. Throws the importer's errors unchanged. */
export async function assessWearableFile(f: File, onProgress?: (percent: number) => void) {
  const { importWearable } = await import("../../assess/wearable/sources/import.js");
  let last = -1;
  const imp = await importWearable(
    { size: f.size, chunks: () => chunksOf(f) },
    {
      onProgress: (read, total) => {
        const pct = total > 0 ? Math.floor((100 * read) / total) : 100;
        if (pct !== last) onProgress?.((last = pct));
      },
    },
  );
  const index = stressIndex(imp.daily);
  return { format: imp.format, daily: imp.daily, index, warnings: detectWarnings(index) };
}
