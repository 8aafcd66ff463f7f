// The house by area (and by assemblage), with live states and a control for each kind of thing.

import { api, Live, role } from "./api.js";
import { discoveredSection, ignoredSection } from "./discovered.js";
import { content, h, toast } from "./dom.js";

const cards = new Map();

function name(state) {
  return state.attributes.friendly_name || state.entity_id;
}

async function call(domain, service, entityId, data = {}) {
  try {
    await api("POST", `/api/services/${domain}/${service}`, { target: { entity_id: entityId }, data });
  } catch (error) {
    toast(error.message);
  }
}

function range(label, value, min, max, step, onchange) {
  return h("label", {}, label,
    h("input", { type: "range", min, max, step, value, onchange: (e) => onchange(Number(e.target.value)) }));
}

function describe(state) {
  const unit = state.attributes.unit_of_measurement;
  return unit ? `${state.state} ${unit}` : state.state;
}

function controls(state) {
  const id = state.entity_id;
  const domain = id.split(".")[0];
  const label = name(state);
  const on = state.state === "on";
  const toggle = (verb = "toggle") => h("button", {
    type: "button",
    "aria-pressed": on ? "true" : "false",
    "aria-label": `${label}: ${on ? "on, turn off" : "off, turn on"}`,
    onclick: () => call(domain, verb === "toggle" ? (on ? "turn_off" : "turn_on") : verb, id),
  }, on ? "On" : "Off");
  const a = state.attributes;
  if (domain === "light") {
    const parts = [toggle()];
    if (on && a.brightness !== undefined) {
      parts.push(range(`Brightness of ${label}`, a.brightness, 1, 255, 1,
        (v) => call("light", "turn_on", id, { brightness: v })));
    }
    const modes = a.supported_color_modes || [];
    if (on && (a.color_temp_kelvin !== undefined || modes.includes("color_temp"))) {
      const low = a.min_color_temp_kelvin || 2000, high = a.max_color_temp_kelvin || 6500;
      parts.push(range(`Colour temperature of ${label} (K)`, a.color_temp_kelvin ?? Math.round((low + high) / 2),
        a.min_color_temp_kelvin || 2000, a.max_color_temp_kelvin || 6500, 100,
        (v) => call("light", "turn_on", id, { color_temp_kelvin: v })));
    }
    return parts;
  }
  if (["switch", "input_boolean", "fan"].includes(domain)) return [toggle()];
  if (domain === "cover") {
    return [
      h("div", { class: "row" },
        h("button", { type: "button", onclick: () => call("cover", "open_cover", id) }, "Open"),
        h("button", { type: "button", onclick: () => call("cover", "close_cover", id) }, "Close")),
      a.current_position !== undefined
        ? range(`Position of ${label}`, a.current_position, 0, 100, 1,
          (v) => call("cover", "set_cover_position", id, { position: v }))
        : null,
    ];
  }
  if (domain === "lock") {
    const locked = state.state === "locked";
    return [h("button", {
      type: "button",
      onclick: () => {
        const verb = locked ? "unlock" : "lock";
        if (window.confirm(`${locked ? "Unlock" : "Lock"} ${label}?`)) call("lock", verb, id);
      },
    }, locked ? "Unlock…" : "Lock…")];
  }
  if (domain === "climate") {
    const input = h("input", { type: "number", step: "0.5", value: a.temperature ?? "", "aria-label": `Target temperature of ${label}` });
    return [h("form", {
      class: "row",
      onsubmit: (e) => { e.preventDefault(); call("climate", "set_temperature", id, { temperature: Number(input.value) }); },
    }, input, h("button", { type: "submit" }, "Set"))];
  }
  if (domain === "media_player") {
    return [h("div", { class: "row" },
      h("button", { type: "button", onclick: () => call("media_player", "media_play_pause", id) }, "Play / pause"),
      a.volume_level !== undefined
        ? range(`Volume of ${label}`, Math.round(a.volume_level * 100), 0, 100, 1,
          (v) => call("media_player", "volume_set", id, { volume_level: v / 100 }))
        : null)];
  }
  if (["button", "input_button", "scene", "script"].includes(domain)) {
    const service = domain === "scene" || domain === "script" ? "turn_on" : "press";
    return [h("button", { type: "button", onclick: () => call(domain, service, id) }, "Run")];
  }
  return [];
}

function card(state) {
  const on = ["on", "open", "unlocked", "playing", "heat"].includes(state.state);
  return h("article", { class: `card${on ? " is-on" : ""}`, "data-entity": state.entity_id },
    h("header", {},
      h("span", { class: "name" }, name(state)),
      h("span", { class: "state", "data-state": state.state }, describe(state))),
    controls(state),
    h("a", { class: "why", href: `/why?entity=${encodeURIComponent(state.entity_id)}` },
      `Why is it ${state.state}?`));
}

function update(state) {
  const old = cards.get(state.entity_id);
  if (!old) return;
  const fresh = card(state);
  const focused = old.contains(document.activeElement) ? document.activeElement.getAttribute("aria-label") : null;
  old.replaceWith(fresh);
  cards.set(state.entity_id, fresh);
  if (focused) fresh.querySelector(`[aria-label="${CSS.escape(focused)}"]`)?.focus();
}

function assemblageCard(a) {
  const level = h("select", {
    "aria-label": `Autonomy level of ${a.name}`,
    disabled: role === "guest",
    onchange: async (e) => {
      try {
        await api("PUT", `/api/assemblages/${encodeURIComponent(a.id)}/level`, { level: e.target.value });
        toast(`${a.name}: ${e.target.value}`);
      } catch (error) { toast(error.message); }
    },
  }, ["auto", "suggest", "observe", "off"].map((v) => h("option", { value: v, selected: v === a.autonomy }, v)));
  const roles = Object.entries(a.roles).map(([name, id]) => `${name}: ${id}`).join(", ");
  const derived = Object.entries(a.derived).map(([id, value]) => `${id.split(".")[1]} = ${value}`).join(", ");
  return h("article", { class: `card${a.enabled ? " is-on" : ""}` },
    h("header", {}, h("span", { class: "name" }, a.name), h("span", { class: "state" }, a.enabled ? "on" : "off")),
    roles ? h("p", { class: "muted" }, roles) : null,
    derived ? h("p", { class: "muted" }, derived) : null,
    h("label", {}, "Autonomy", level),
    h("ul", {}, a.scenarios.map((s) => h("li", {},
      h("a", { href: `/why?scenario=${encodeURIComponent(s.entity_id)}` }, s.name), s.level ? ` (${s.level})` : ""))));
}

const SHOWN = new Set(["light", "switch", "cover", "lock", "climate", "media_player", "sensor",
  "binary_sensor", "input_boolean", "fan", "button", "input_button", "scene", "person"]);

export async function render() {
  const [states, areas, assemblages] = await Promise.all([
    api("GET", "/api/states"), api("GET", "/api/areas"), api("GET", "/api/assemblages"),
  ]);
  const byId = new Map(states.map((s) => [s.entity_id, s]));
  const sections = [];
  const placed = new Set();
  for (const area of areas) {
    const shown = area.entities.map((id) => byId.get(id)).filter((s) => s && SHOWN.has(s.entity_id.split(".")[0]));
    if (!shown.length) continue;
    const grid = h("div", { class: "grid" });
    for (const state of shown) {
      const element = card(state);
      cards.set(state.entity_id, element);
      grid.append(element);
      placed.add(state.entity_id);
    }
    sections.push(h("section", { "aria-labelledby": `area-${area.id}` },
      h("h2", { id: `area-${area.id}` }, area.name), grid));
  }
  const rest = states.filter((s) => !placed.has(s.entity_id) && SHOWN.has(s.entity_id.split(".")[0]));
  if (rest.length) {
    const grid = h("div", { class: "grid" });
    for (const state of rest) {
      const element = card(state);
      cards.set(state.entity_id, element);
      grid.append(element);
    }
    sections.push(h("section", { "aria-labelledby": "area-none" }, h("h2", { id: "area-none" }, "Elsewhere"), grid));
  }
  if (assemblages.length) {
    sections.push(h("section", { "aria-labelledby": "assemblages" },
      h("h2", { id: "assemblages" }, "Assemblages"),
      h("div", { class: "grid" }, assemblages.map(assemblageCard))));
  }
  if (role !== "guest") {
    const found = await api("GET", "/api/discovered");
    if (found.length) sections.push(discoveredSection(found));
  }
  if (role === "admin") {
    const ignored = await api("GET", "/api/discovered/ignored").catch(() => []);
    if (ignored.length) sections.push(ignoredSection(ignored));
  }
  content(...(sections.length ? sections : [h("p", { class: "muted" }, "Nothing to show yet.")]));
  const live = new Live();
  await live.subscribe({ what: "states" }, (event) => {
    if (event.new_state) update(event.new_state);
  });
}
