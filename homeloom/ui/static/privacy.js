// Privacy: what is stored, about whom; how long it is kept; erasing a person's data.

import { api, role } from "./api.js";
import { content, h, toast } from "./dom.js";

export async function render() {
  const privacy = await api("GET", "/api/privacy");
  const rows = privacy.people.map((person) => h("tr", {},
    h("th", { scope: "row" }, person.name || person.user_id),
    h("td", {}, String(person.history)),
    h("td", {}, String(person.audit)),
    h("td", {}, String(person.presence)),
    h("td", {}, h("button", {
      type: "button",
      "aria-label": `Erase the data of ${person.name || person.user_id}`,
      onclick: async () => {
        if (!window.confirm(`Erase everything stored about ${person.name || person.user_id}?`)) return;
        try {
          const erased = await api("POST", `/api/privacy/${encodeURIComponent(person.user_id)}/erase`, {});
          toast(`${erased.removed} records erased`);
          render();
        } catch (error) { toast(error.message); }
      },
    }, "Erase"))));
  const retention = h("form", {
    class: "stack",
    onsubmit: async (event) => {
      event.preventDefault();
      const data = Object.fromEntries([...new FormData(event.target)].map(([k, v]) => [k, Number(v)]));
      try { await api("PUT", "/api/privacy/retention", data); toast("Retention saved"); } catch (error) { toast(error.message); }
    },
  },
  h("label", {}, "Keep history (days)", h("input", { type: "number", name: "history_days", min: 1, max: 3650, value: privacy.retention.history_days })),
  h("label", {}, "Keep the audit log (days)", h("input", { type: "number", name: "audit_days", min: 1, max: 3650, value: privacy.retention.audit_days })),
  h("button", { type: "submit" }, "Save"));
  content(
    h("p", {}, "Everything stays on this machine. What homeloom keeps:"),
    h("ul", {}, privacy.stored.map((s) => h("li", {}, s))),
    h("h2", {}, "About each person"),
    h("table", {}, h("thead", {}, h("tr", {}, ["Person", "History records", "Audit records", "Presence records", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows)),
    h("h2", {}, "Retention"),
    role === "admin" ? retention
      : h("p", {}, `History is kept ${privacy.retention.history_days} days, the audit log ${privacy.retention.audit_days} days.`));
}
