// Note templates: free text, SOAP, a risk assessment and a safety plan after Stanley & Brown (2012). The fields
// she fills become the record's plaintext ({template, fields, text}) and are sealed in the page like any note; the
// server only ever sees the envelope. `text` repeats the fields as "label：value" lines for readers that show text.
import { t } from "./i18n.js";
import { h, select, textarea } from "./ui.js";
import "./counselor-words.js";

interface Field { key: string; label: string; kind?: "level" }
export interface Template { id: string; label: string; kind: "consultation_note" | "care_plan"; schema: string; fields: Field[] }

export const TEMPLATES: Template[] = [
  { id: "free", label: "tplFree", kind: "consultation_note", schema: "anxin.note.v1", fields: [{ key: "text", label: "recordText" }] },
  { id: "soap", label: "tplSoap", kind: "consultation_note", schema: "anxin.note.soap.v1", fields: ["S", "O", "A", "P"].map((k) => ({ key: k.toLowerCase(), label: `soap${k}` })) },
  {
    id: "risk", label: "tplRisk", kind: "consultation_note", schema: "anxin.note.risk.v1",
    fields: [
      { key: "ideation", label: "riskIdeation" }, { key: "plan", label: "riskPlan" }, { key: "history", label: "riskHistory" },
      { key: "riskFactors", label: "riskFactors" }, { key: "protective", label: "riskProtective" }, { key: "level", label: "riskLevel", kind: "level" },
      { key: "actions", label: "riskActions" },
    ],
  },
  {
    id: "safety", label: "tplSafety", kind: "care_plan", schema: "anxin.safety_plan.v1",
    fields: [
      { key: "warningSigns", label: "safetyWarning" }, { key: "internalCoping", label: "safetyCoping" }, { key: "socialContacts", label: "safetySocial" },
      { key: "helpPeople", label: "safetyPeople" }, { key: "professionals", label: "safetyPros" }, { key: "environment", label: "safetyEnv" },
    ],
  },
];
const LEVELS = ["low", "medium", "high", "imminent"] as const;
const levelLabel = (v: string) => t(`riskLevel${v.charAt(0).toUpperCase()}${v.slice(1)}`);

export interface NoteBody { template?: string; fields?: Record<string, string>; text?: string }
export const templateOf = (body: NoteBody, schema?: string) => TEMPLATES.find((x) => x.id === body.template) ?? TEMPLATES.find((x) => x.schema === schema) ?? TEMPLATES[0]!;

/** The form of one template, prefilled from `prev` (an amendment); `body()` is what gets sealed, null if empty. */
export function noteForm(tpl: Template, prev?: NoteBody) {
  const inputs = tpl.fields.map((f) => {
    const id = tpl.id === "free" ? "record-text" : `note-${tpl.id}-${f.key}`;
    const el = f.kind === "level"
      ? select(f.label, LEVELS.map((v) => [v, levelLabel(v)]), { id })
      : textarea(f.label, { id, rows: tpl.id === "free" ? 6 : 3 });
    const old = tpl.id === "free" ? prev?.fields?.text ?? prev?.text : prev?.fields?.[f.key];
    if (old) el.input.value = old;
    return { f, el };
  });
  return {
    el: h("div", { class: "stack note-form", "data-template": tpl.id }, ...inputs.map((i) => i.el.wrap)),
    body(): NoteBody | null {
      const fields = Object.fromEntries(inputs.map(({ f, el }) => [f.key, el.input.value.trim()]).filter(([, v]) => v));
      const filled = inputs.filter(({ f }) => f.kind !== "level" && fields[f.key]);
      if (filled.length === 0) return null;
      if (tpl.id === "free") return { text: fields.text };
      const text = inputs.filter(({ f }) => fields[f.key]).map(({ f }) => `${t(f.label)}：${f.kind === "level" ? levelLabel(fields[f.key]!) : fields[f.key]}`).join("\n");
      return { template: tpl.id, fields, text };
    },
  };
}

/** A stored note for reading: each template field under its own label (free text as it was written). */
export function noteView(body: NoteBody, schema?: string): HTMLElement[] {
  const tpl = templateOf(body, schema);
  if (tpl.id === "free" || !body.fields) return [h("p", { class: "record-text" }, body.text ?? "")];
  return [
    h(
      "dl",
      { class: "note-fields", "data-template": tpl.id },
      ...tpl.fields.filter((f) => body.fields![f.key]).flatMap((f) => [h("dt", {}, t(f.label)), h("dd", {}, f.kind === "level" ? levelLabel(body.fields![f.key]!) : body.fields![f.key]!)]),
    ),
  ];
}

export const templateTitle = (body: NoteBody, schema?: string) => t(templateOf(body, schema).label);
