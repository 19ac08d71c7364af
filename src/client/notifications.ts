// Break-glass notices: every emergency access a counselor opened on one of a resident's addresses, as the server
// lists them (GET /v1/notifications). One shape for the CLI and the resident page.
import type { ApiClient } from "./api.js";

export interface BreakGlassNotice {
  grantId: string;
  kind: string;
  at: string;
  counselor: string;
  notBefore: number;
  notAfter: number;
}

/** The notices of the address `api` is signed in as. */
export async function breakGlassNotices(api: ApiClient): Promise<BreakGlassNotice[]> {
  return (await api.get<{ items: BreakGlassNotice[] }>("/v1/notifications")).items;
}
