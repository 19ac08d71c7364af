// Decodes a contract's custom error from whatever shape ethers (or a NonceManager in between) threw.
import type { Interface } from "ethers";

function revertData(e: any): string | undefined {
  for (const d of [e?.data, e?.info?.error?.data, e?.error?.data, e?.info?.error?.data?.data]) {
    if (typeof d === "string" && d.startsWith("0x") && d.length >= 10) return d;
  }
  return undefined;
}

/** The custom error's name, "Reverted" for a bare revert, or undefined when the error is not a revert. */
export function revertName(e: unknown, ifaces: Interface[]): string | undefined {
  const err = e as { code?: string; revert?: { name?: string } | null };
  if (err?.revert?.name) return err.revert.name;
  const data = revertData(e);
  if (data) {
    for (const i of ifaces) {
      try {
        const parsed = i.parseError(data);
        if (parsed) return parsed.name;
      } catch {
        /* not this contract's error */
      }
    }
    return "UnknownError";
  }
  return err?.code === "CALL_EXCEPTION" ? "Reverted" : undefined;
}
