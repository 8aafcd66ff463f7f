// The approval inbox: what the house suggests, who may decide, time left; arrives live.

import { api, Live } from "./api.js";
import { content, h, toast } from "./dom.js";

const items = new Map();
let list;

function left(proposal) {
  const seconds = Math.max(0, Math.round((proposal.deadline - Date.now()) / 1000));
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min left`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)} min ${seconds % 60} s left`;
  return `${seconds} s left`;
}

async function decide(proposal, approve) {
  try {
    await api("POST", `/api/proposals/${encodeURIComponent(proposal.id)}/${approve ? "approve" : "reject"}`, {});
    toast(approve ? "Approved" : "Rejected");
  } catch (error) {
    toast(error.message);
  }
}

function row(proposal) {
  const pending = proposal.status === "pending";
  const reason = proposal.may_decide ? null
    : proposal.guarded ? "Guarded: a resident decides" : `Decided by ${proposal.roles.join(" or ")}`;
  const time = h("span", { class: "muted", "data-left": "" }, pending ? left(proposal) : proposal.status);
  return h("li", { class: `card proposal${pending ? "" : " decided"}`, "data-proposal": proposal.id },
    h("p", { class: "sentence" }, proposal.sentence),
    h("div", { class: "row" },
      proposal.guarded ? h("span", { class: "badge guarded" }, "guarded") : null,
      h("span", { class: "badge" }, `may decide: ${proposal.roles.join(", ")}`),
      time,
      proposal.scenario
        ? h("a", { href: `/why?scenario=${encodeURIComponent(proposal.scenario)}` }, "Why?")
        : null),
    pending
      ? h("div", { class: "row" },
        h("button", { type: "button", class: "primary", disabled: !proposal.may_decide,
          "aria-label": `Approve: ${proposal.sentence}`, onclick: () => decide(proposal, true) }, "Approve"),
        h("button", { type: "button", disabled: !proposal.may_decide,
          "aria-label": `Reject: ${proposal.sentence}`, onclick: () => decide(proposal, false) }, "Reject"),
        reason ? h("span", { class: "muted" }, reason) : null)
      : h("p", { class: "muted" }, `${proposal.status} by ${proposal.decided_by || "nobody"}`));
}

function show(proposal) {
  proposal.deadline = Date.now() + proposal.seconds_left * 1000;
  const element = row(proposal);
  const old = items.get(proposal.id);
  if (old) old.element.replaceWith(element);
  else list.prepend(element);
  items.set(proposal.id, { proposal, element });
  document.getElementById("empty").hidden = items.size > 0;
}

export async function render() {
  list = h("ul", { class: "grid", "aria-label": "Proposals" });
  content(h("p", { id: "empty", class: "muted" }, "Nothing waits for a decision."), list);
  for (const proposal of await api("GET", "/api/proposals")) show(proposal);
  setInterval(() => {
    for (const { proposal, element } of items.values()) {
      if (proposal.status === "pending") element.querySelector("[data-left]").textContent = left(proposal);
    }
  }, 1000);
  const live = new Live();
  await live.subscribe({ what: "proposals" }, show);
}
