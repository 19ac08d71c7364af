// The demo's closing report for a terminal: what happened (counts), the audit verdict check by check, where to look.
import type { DemoSummary } from "./run.js";

const num = (n: number) => n.toLocaleString("en-US");

export function formatSummary(s: DemoSummary): string {
  const C = s.counts;
  const g = C.grantsOnChain;
  const rows: Array<[string, string]> = [
    ["自评 self-assessments (scored on the device)", `${C.assessments}`],
    ["加密记录写入 encrypted records written", `${C.recordsWritten}`],
    ["记录打开 records opened by a reader", `${C.recordsOpened}`],
    ["链上同意 grants on chain", `${g.total} (MATCHING ${g.matching}, TREATMENT ${g.treatment}, MONITORING ${g.monitoring}; revoked ${g.revoked})`],
    ["匿名需求 needs published / held / emergency", `${C.needs.published} / ${C.needs.held} / ${C.needs.emergency} of ${C.needs.submitted} (up to ${C.needs.heldMax} held at once)`],
    ["匹配提案 / 已接受 proposals / accepted", `${C.proposals} / ${C.matchesAccepted}`],
    ["拒绝访问已记录 refusals logged", `${C.refusalsLogged}`],
    ["警报 alerts (crisis / wearable warning)", `${C.alerts.crisis} / ${C.alerts.wearableWarning}`],
    ["墓碑 tombstones (erasure)", `${C.tombstones}`],
    ["日志 log size / anchored", `${num(C.logSize)} / ${num(C.anchoredSize)} leaves`],
    ["燃气 gas: consents / registry / anchors", `${num(s.gas.consents)} / ${num(s.gas.registry)} / ${num(s.gas.anchors)} (${s.gas.transactions} txs, ${num(s.gas.total)} total)`],
  ];
  const w = Math.max(...rows.map(([k]) => width(k)));
  const lines = [
    "",
    `安心 Anxin demo — ${s.ok ? "完成 done" : "失败 FAILED"} in ${s.seconds} s`,
    `  社区 community${s.community.city ? ` (${s.community.city})` : ""}: 1 管理方 authority · ${s.community.counselors} 咨询师 counselors · ${s.community.residents} 居民 residents · 1 匹配服务 matcher · 1 审计员 auditor`,
    "",
    ...rows.map(([k, v]) => `  ${k}${" ".repeat(w - width(k))}  ${v}`),
    "",
  ];
  if (s.crisis) lines.push(`  危机通道 crisis path: need routed "${s.crisis.route}", level ${s.crisis.level}, hotlines ${s.crisis.hotlines.join(", ")} shown at once`);
  if (s.revocation) lines.push(`  撤回 revocation: the counselor's next read → ${s.revocation.status} (${s.revocation.reason}), ${s.revocation.inAccessLog ? "in the resident's access log" : "NOT in the access log"}`);
  if (s.wearable) lines.push(`  可穿戴 wearable: warning ${s.wearable.from} … ${s.wearable.to} (${s.wearable.days} days, peak ${s.wearable.peak}) → ${s.wearable.notified} counselor notified`);
  if (s.erasure) lines.push(`  删除 erasure: ${s.erasure.tombstones} records emptied, leaves kept; reading one now → ${s.erasure.readAfterwards}`);
  lines.push("");
  if (s.audit) {
    lines.push(`审计结论 audit verdict: ${s.audit.ok ? "通过 PASS" : "未通过 FAIL"}`);
    for (const c of s.audit.checks) {
      lines.push(`  ${c.ok ? "✓" : "✗"} ${c.id.padEnd(13)} ${c.name}${c.ok ? "" : `  (${c.failures} failure(s); first: ${c.first})`}`);
    }
  } else {
    lines.push("审计结论 audit verdict: not reached");
  }
  const failed = s.steps.find((x) => !x.ok);
  if (failed || s.error) lines.push("", `✗ step ${failed?.n ?? "?"} failed: ${failed?.error ?? s.error}`);
  lines.push("", "在哪里看 where to look");
  if (s.kept) {
    lines.push(`  data dir     ${s.dataDir}  (server log: server.log; chain: chain-state.json)`);
    lines.push(`  explore      anxin serve --data-dir ${s.dataDir}  →  http://127.0.0.1:7300/resident.html · /counselor.html · /auditor.html · /admin.html`);
  } else {
    lines.push(`  data dir     removed (run with --keep or --data-dir <dir> to keep it, --serve to keep the server running)`);
  }
  lines.push("  formats      docs/FORMATS.md · API: /openapi.json on a running server");
  return lines.join("\n") + "\n";
}

/** Display width: CJK characters take two columns. */
function width(s: string): number {
  let n = 0;
  for (const ch of s) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return n;
}
