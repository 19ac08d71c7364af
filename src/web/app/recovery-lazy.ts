// The recovery screens as the resident page imports them, fetched when one is first opened: the BIP-39 word list,
// the backup cards (Shamir) and the QR encoder and decoder (≈ 45 KB) are not needed to draw the first screen.
import type { RecoveryDeps } from "./recovery.js";
import type { Screen } from "./ui.js";
// Their words stay with the first screen: the welcome and unlock screens use some of them (e.g. 找回我的信息).
import "./recovery-words.js";

let deps: RecoveryDeps | undefined;
let loading: Promise<typeof import("./recovery.js")> | undefined;

function load(): Promise<typeof import("./recovery.js")> {
  loading ??= import("./recovery.js").then((m) => (m.initRecovery(deps!), m));
  // A fetch lost on a slow network is tried again at the next tap.
  loading.catch(() => (loading = undefined));
  return loading;
}

export function initRecovery(d: RecoveryDeps): void {
  deps = d;
}

export const restoreScreen: Screen = async () => (await load()).restoreScreen();
export const cardsScreen: Screen = async () => (await load()).cardsScreen();
export const sheetScreen = (first: boolean): Screen => async () => (await load()).sheetScreen(first)();
