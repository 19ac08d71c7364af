// The call screen both sides share: the other party's video (or just audio for a phone session), one's own small
// picture, the state in words (announced politely to screen readers), the safety code and the text chat. The
// elements live as long as the call, so a language switch re-renders the screen around the same call.
import { t } from "./i18n.js";
import { actions, busy, button, h, p, screen, show, status, type Screen } from "./ui.js";
import { Call, type CallOptions, type CallState } from "./consultation.js";
import { clock } from "./zone.js";
import "./consultation-words.js";

interface Live {
  call: Call;
  stateEl: HTMLElement;
  codeEl: HTMLElement;
  chat: HTMLElement;
  input: HTMLTextAreaElement;
  send?: HTMLButtonElement;
}

/** Opens a call and returns its screen; `back` is shown after leaving. `peerKey` names the other side in the chat. */
export function callScreen(o: Omit<CallOptions, "onState" | "onChat" | "onSafety">, peerKey: "consultPeerCounselor" | "consultPeerResident", back: Screen): Screen {
  let live: Live | undefined;
  const setState = (s: CallState) => {
    if (!live) return;
    live.stateEl.textContent = t(`callState_${s}`);
    live.stateEl.dataset.state = s;
    live.stateEl.className = `call-state state-${s}`;
    // Messages are sent only inside a verified, connected call (stored and delivered together).
    if (live.send) live.send.disabled = s !== "connected";
  };
  const self: Screen = () => {
    if (!live) {
      const stateEl = h("p", { class: "call-state", id: "call-state", role: "status", "aria-live": "polite" });
      const codeEl = h("p", { class: "call-code", id: "call-code" });
      const chat = h("ol", { class: "chat", id: "chat-log", "aria-live": "polite", "aria-label": t("consultChatLog") });
      const input = h("textarea", { id: "chat-text", rows: 2, maxlength: 2000 });
      const call = new Call({
        ...o,
        onState: setState,
        onSafety: (code) => (codeEl.textContent = t("consultSafety", { code })),
        onChat: (m) => chat.append(h("li", { class: m.mine ? "mine" : "theirs" }, h("span", { class: "who" }, `${t(m.mine ? "consultMe" : peerKey)} ${clock(m.at)}`), h("span", { class: "text" }, m.text))),
      });
      live = { call, stateEl, codeEl, chat, input };
      setState("starting");
      void call.start().catch(() => setState("failed"));
    }
    const l = live;
    const send = button("consultSend", async () => {
      const text = l.input.value.trim();
      if (!text) return;
      await busy(send, "encrypting", async () => {
        await l.call.say(text);
        l.input.value = "";
      });
    }, "primary", { id: "chat-send" });
    l.send = send;
    send.disabled = l.call.state !== "connected";
    const leave = button("consultLeave", async () => {
      await l.call.leave();
      live = undefined;
      status(t("consultLeft"), "ok");
      await show(back);
    }, "danger", { id: "call-leave" });
    l.stateEl.textContent = t(`callState_${l.call.state}`);
    return screen(
      o.video ? "consultVideoTitle" : "consultPhoneTitle",
      l.stateEl,
      h("div", { class: `call-media${o.video ? "" : " audio-only"}` }, l.call.remote, o.video ? l.call.local : null),
      p(t("consultEncrypted"), "note"),
      l.codeEl,
      h("h2", {}, t("consultChatTitle")),
      l.chat,
      h("div", { class: "field" }, h("label", { for: "chat-text" }, t("consultChatLabel")), h("p", { class: "hint", id: "chat-hint" }, t(peerKey === "consultPeerResident" ? "consultChatStoredCounselor" : "consultChatStored")), l.input),
      actions(send, leave),
    );
  };
  return self;
}
