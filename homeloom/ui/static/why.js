// "Why": a run's trace as a timeline, reached from an entity's last change or a scenario.

import { api } from "./api.js";
import { content, h, param, when } from "./dom.js";

function describeStep(path, result) {
  if (!result) return "";
  const parts = [];
  if (result.params) {
    const p = result.params;
    parts.push(`${p.domain}.${p.service} ${JSON.stringify(p.target || {})}`);
  }
  if (result.result !== undefined) parts.push(`result: ${result.result}`);
  if (result.outcome) parts.push(`outcome: ${result.outcome}`);
  if (result.reason) parts.push(result.reason);
  if (result.sentence) parts.push(`“${result.sentence}”`);
  if (result.proposal) parts.push(`proposal ${result.proposal}`);
  if (result.decision) parts.push(`${result.decision}${result.decided_by ? ` by ${result.decided_by}` : ""}`);
  if (!parts.length) {
    for (const [key, value] of Object.entries(result)) parts.push(`${key}: ${JSON.stringify(value)}`);
  }
  return parts.join(" · ");
}

function kind(path) {
  if (path.startsWith("trigger")) return "Trigger";
  if (path.startsWith("condition")) return "Condition";
  if (path.startsWith("action")) return "Step";
  return "Variables";
}

export function timeline(trace) {
  const visits = [];
  for (const [path, list] of Object.entries(trace.steps || {})) {
    for (const visit of list) visits.push({ ...visit, path });
  }
  visits.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  const items = [
    h("li", {}, h("strong", {}, "Triggered"), " ", when(trace.started), h("div", {}, trace.trigger || "manually")),
    ...visits.map((v) => h("li", { class: v.error ? "error" : "" },
      h("strong", {}, kind(v.path)), " ", h("span", { class: "path" }, v.path),
      v.duration_ms !== undefined ? h("span", { class: "muted" }, ` · ${v.duration_ms} ms`) : null,
      h("div", {}, describeStep(v.path, v.result)),
      v.error ? h("div", { class: "errors" }, v.error) : null)),
    h("li", { class: trace.error ? "error" : "" }, h("strong", {}, "Ended"), " ", when(trace.finished),
      h("div", {}, trace.script_execution || trace.state), trace.error ? h("div", { class: "errors" }, trace.error) : null),
  ];
  return h("ol", { class: "timeline", "aria-label": "Run timeline" }, items);
}

async function forEntity(entityId) {
  const why = await api("GET", `/api/why/${encodeURIComponent(entityId)}`);
  const name = why.state.attributes.friendly_name || entityId;
  const cause = why.scenario
    ? h("p", {}, `${name} became ${why.state.state} at ${when(why.state.last_changed)} because the scenario `,
      h("a", { href: `/why?scenario=${encodeURIComponent(why.scenario.entity_id)}` }, why.scenario.name), " ran:")
    : h("p", {}, `${name} became ${why.state.state} at ${when(why.state.last_changed)}`,
      why.user_id ? ` — changed by ${why.user_id}.` : ` — reported by the device (${why.origin}).`);
  return [cause, why.trace ? timeline(why.trace) : null];
}

async function forScenario(key, runId) {
  const [scenario, traces] = await Promise.all([
    api("GET", `/api/scenarios/${encodeURIComponent(key)}`),
    api("GET", `/api/scenarios/${encodeURIComponent(key)}/traces`),
  ]);
  if (!traces.length) return [h("p", {}, `${scenario.name} has not run yet.`)];
  const chosen = traces.find((t) => t.run_id === runId) || traces[traces.length - 1];
  const runs = h("nav", { "aria-label": "Runs" }, h("ul", {}, [...traces].reverse().map((t) =>
    h("li", {}, h("a", {
      href: `/why?scenario=${encodeURIComponent(key)}&run=${encodeURIComponent(t.run_id)}`,
      "aria-current": t.run_id === chosen.run_id ? "true" : undefined,
    }, `${when(t.started)} — ${t.script_execution || t.state}`)))));
  return [h("h2", {}, scenario.name), timeline(chosen), h("h2", {}, "Other runs"), runs];
}

export async function render() {
  const entity = param("entity");
  const scenario = param("scenario");
  if (entity) content(...(await forEntity(entity)));
  else if (scenario) content(...(await forScenario(scenario, param("run"))));
  else content(h("p", {}, "Open “Why?” from a device in the house, or “Runs” from a scenario."));
}
