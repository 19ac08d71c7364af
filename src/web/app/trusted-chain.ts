// The chain the staff pages trust for keys, accreditation and checkpoints (docs/threat-model.md (Key directory)):
// `?rpc=<url>` or the saved setting (localStorage "anxin.rpcUrl"); without one the page reads the chain through the
// endpoint the app server advertises, and says so on screen.
import type { ApiClient } from "../../client/api.js";
import { ChainReader, KeyDirectoryError } from "../../client/key-directory.js";
import { bi } from "./i18n.js";
import { h } from "./ui.js";

const KEY = "anxin.rpcUrl";

export function chosenRpcUrl(): string | undefined {
  const q = new URLSearchParams(location.search).get("rpc");
  if (q) localStorage.setItem(KEY, q);
  return q ?? localStorage.getItem(KEY) ?? undefined;
}

export async function pageChain(api: ApiClient): Promise<{ reader: ChainReader; viaServer: boolean; rpcUrl: string }> {
  const { chain } = await api.get<{ chain: { rpcUrl?: string; registry: string; checkpointLog: string } }>("/healthz");
  const own = chosenRpcUrl();
  const rpcUrl = own ?? chain.rpcUrl;
  if (!rpcUrl) throw new KeyDirectoryError("no_trusted_chain", bi({ zh: "请设置您信任的链节点地址（?rpc=…）", en: "set the chain endpoint you trust (?rpc=…)" }));
  return { reader: new ChainReader({ rpcUrl, registry: chain.registry, checkpointLog: chain.checkpointLog }), viaServer: !own, rpcUrl };
}

/** The on-screen line saying whose chain endpoint the page reads. */
export function chainNotice(viaServer: boolean, rpcUrl: string): HTMLElement {
  const text = viaServer
    ? bi({ zh: `密钥核验经由本服务器提供的链节点：${rpcUrl}（可用 ?rpc= 指定您自己的节点）`, en: `Keys are checked through the chain endpoint this app server provides: ${rpcUrl} (use ?rpc= to choose your own)` })
    : bi({ zh: `密钥核验经由您选择的链节点：${rpcUrl}`, en: `Keys are checked through the chain endpoint you chose: ${rpcUrl}` });
  return h("p", { class: "note", id: "chain-notice", "data-via-server": String(viaServer) }, text);
}

/** A refused key, shown with its named error. */
export function keyRefusal(e: KeyDirectoryError): string {
  return bi({ zh: `拒绝加密：密钥未通过核验（${e.code}）`, en: `Refusing to seal: the key did not verify (${e.code})` });
}
