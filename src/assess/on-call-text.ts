// Plain words for the resident about who a crisis alert reached (shown and read aloud on her page).
import type { Lang } from "./types.js";

export function toldMessage(tier: string, lang: Lang, crisisLine: string): string {
  const en = lang === "en";
  switch (tier) {
    case "on_call":
      return en ? "The on-duty counselor has received your alert and will contact you as soon as possible." : "值班咨询师已收到，会尽快联系您。";
    case "fallback":
      return en ? "The community's crisis counselors have received your alert and will contact you as soon as possible." : "社区的危机咨询师已收到，会尽快联系您。";
    default:
      return en ? `No counselor is on duty right now: please call the community crisis line ${crisisLine} now.` : `现在没有值班咨询师：请立即拨打社区危机热线 ${crisisLine}。`;
  }
}
