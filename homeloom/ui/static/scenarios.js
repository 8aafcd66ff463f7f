// Scenarios: on/off, autonomy level, last run, trust; and a YAML checker with positions.

import { api, role } from "./api.js";
import { content, h, toast, when } from "./dom.js";

const LEVELS = ["auto", "suggest", "observe", "off"];

async function act(request) {
  try {
    return await request();
  } catch (error) {
    toast(error.message);
    return null;
  }
}

function row(scenario, redraw) {
  const editable = role !== "guest";
  const level = h("select", {
    "aria-label": `Autonomy level of ${scenario.name}`,
    disabled: !editable,
    onchange: async (event) => {
      const changed = await act(() => api("PUT", `/api/scenarios/${encodeURIComponent(scenario.entity_id)}/level`, { level: event.target.value }));
      if (changed) { toast(`${scenario.name}: ${changed.level}`); redraw(); }
    },
  }, LEVELS.map((value) => h("option", { value, selected: value === (scenario.level || "auto") }, value)));
  const enabled = h("input", {
    type: "checkbox",
    "aria-label": `${scenario.name} is on`,
    checked: scenario.enabled,
    disabled: !editable,
    onchange: async (event) => {
      const verb = event.target.checked ? "enable" : "disable";
      if (await act(() => api("POST", `/api/scenarios/${encodeURIComponent(scenario.entity_id)}/${verb}`, {}))) redraw();
    },
  });
  const t = scenario.trust;
  return h("tr", { "data-scenario": scenario.entity_id },
    h("th", { scope: "row" }, scenario.name,
      scenario.effective_level !== (scenario.level || "auto")
        ? h("div", { class: "muted" }, `acts as ${scenario.effective_level} (household ceiling)`) : null),
    h("td", {}, h("label", { class: "inline" }, enabled, h("span", {}, scenario.enabled ? "On" : "Off"))),
    h("td", {}, level),
    h("td", {}, when(scenario.last_triggered)),
    h("td", {}, `${t.approved} approved, ${t.rejected} rejected, ${t.expired} expired`),
    h("td", {}, h("a", { href: `/why?scenario=${encodeURIComponent(scenario.entity_id)}`,
      "aria-label": `Runs of ${scenario.name}` }, "Runs")));
}

function checker(redraw) {
  const text = h("textarea", { id: "yaml", spellcheck: false,
    placeholder: "- id: porch_sunset\n  alias: Porch light at sunset\n  triggers:\n    - trigger: sun\n      event: sunset\n  actions:\n    - action: light.turn_on\n      target: {entity_id: light.porch}" });
  const result = h("div", { role: "status" });
  const form = h("form", {
    onsubmit: async (event) => {
      event.preventDefault();
      const checked = await act(() => api("POST", "/api/scenarios/validate", { yaml: text.value }));
      if (!checked) return;
      result.replaceChildren(checked.ok
        ? h("p", {}, `Valid: ${checked.scenarios.loaded} scenario(s).`)
        : h("ul", { class: "errors" }, checked.errors.map((e) =>
          h("li", {}, `line ${e.line ?? "?"}, column ${e.column ?? "?"}${e.key ? ` (${e.key})` : ""}: ${e.message}`))));
    },
  }, h("label", { for: "yaml" }, "Scenario YAML"), text, h("div", { class: "row" },
    h("button", { type: "submit" }, "Check"),
    h("button", {
      type: "button",
      class: "primary",
      onclick: async () => {
        const saved = await act(() => api("POST", "/api/scenarios/save", { yaml: text.value }));
        if (!saved) return;
        result.replaceChildren(h("p", {}, `Saved: ${saved.scenarios.loaded} scenario(s) loaded.`));
        redraw();
      },
    }, "Save")), result);
  return h("section", { "aria-labelledby": "editor" }, h("h2", { id: "editor" }, "Write a scenario"), form);
}

export async function render() {
  const body = h("tbody");
  const draw = async () => {
    const scenarios = await api("GET", "/api/scenarios");
    body.replaceChildren(...scenarios.map((s) => row(s, draw)));
  };
  await draw();
  content(
    h("table", {},
      h("caption", { class: "muted" }, "Each scenario acts, suggests, observes, or is off."),
      h("thead", {}, h("tr", {}, ["Scenario", "On", "Level", "Last run", "Trust", "Why"].map((t) => h("th", { scope: "col" }, t)))),
      body),
    role !== "guest" ? checker(draw) : null);
}
