// History: a sensor's values over a chosen period, drawn as an SVG line.

import { api } from "./api.js";
import { content, h, param, svg, toast } from "./dom.js";

const PERIODS = { "1 hour": 1, "6 hours": 6, "24 hours": 24, "7 days": 168 };
const W = 800, H = 260, PAD = 40;

function plot(history) {
  const points = history.points.filter((p) => p.value !== null);
  if (points.length === 0) return h("p", { class: "muted" }, "No numeric values in this period.");
  const start = Date.parse(history.start), end = Date.parse(history.end);
  const values = points.map((p) => p.value);
  let low = Math.min(...values), high = Math.max(...values);
  if (low === high) { low -= 1; high += 1; }
  const x = (t) => PAD + ((t - start) / (end - start)) * (W - 2 * PAD);
  const y = (v) => H - PAD - ((v - low) / (high - low)) * (H - 2 * PAD);
  // A state holds until the next one: draw steps, and carry the last value to the end.
  let path = "";
  points.forEach((p, i) => {
    const px = x(Date.parse(p.time)), py = y(p.value);
    path += i === 0 ? `M${px},${py}` : ` H${px} V${py}`;
  });
  path += ` H${x(end)}`;
  const unit = history.unit ? ` ${history.unit}` : "";
  return svg("svg", { class: "plot", viewBox: `0 0 ${W} ${H}`, role: "img",
    "aria-label": `${history.entity_id}: from ${low}${unit} to ${high}${unit}` },
    svg("line", { class: "axis", x1: PAD, y1: H - PAD, x2: W - PAD, y2: H - PAD }),
    svg("line", { class: "axis", x1: PAD, y1: PAD, x2: PAD, y2: H - PAD }),
    svg("text", { x: 4, y: PAD + 4 }, `${high}${unit}`),
    svg("text", { x: 4, y: H - PAD }, `${low}${unit}`),
    svg("text", { x: PAD, y: H - 12 }, new Date(start).toLocaleString()),
    svg("text", { x: W - PAD, y: H - 12, "text-anchor": "end" }, new Date(end).toLocaleString()),
    svg("path", { class: "line", d: path }),
    points.slice(-200).map((p) => svg("circle", { class: "dot", r: 2.5, cx: x(Date.parse(p.time)), cy: y(p.value) },
      svg("title", {}, `${new Date(p.time).toLocaleString()}: ${p.value}${unit}`))));
}

export async function render() {
  const states = await api("GET", "/api/states");
  const sensors = states.filter((s) => s.entity_id.startsWith("sensor.") && !Number.isNaN(Number(s.state)));
  if (!sensors.length) { content(h("p", { class: "muted" }, "No sensors with numbers yet.")); return; }
  const chosen = param("entity") || sensors[0].entity_id;
  const entity = h("select", { id: "entity" }, sensors.map((s) =>
    h("option", { value: s.entity_id, selected: s.entity_id === chosen }, s.attributes.friendly_name || s.entity_id)));
  const period = h("select", { id: "period" }, Object.keys(PERIODS).map((p) => h("option", { value: PERIODS[p], selected: p === "24 hours" }, p)));
  const area = h("div", { "aria-live": "polite" });
  const draw = async () => {
    const end = new Date();
    const start = new Date(end - Number(period.value) * 3600 * 1000);
    try {
      const query = `start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`;
      area.replaceChildren(plot(await api("GET", `/api/history/${encodeURIComponent(entity.value)}?${query}`)));
    } catch (error) {
      toast(error.message);
    }
  };
  entity.addEventListener("change", draw);
  period.addEventListener("change", draw);
  content(h("div", { class: "row" }, h("label", { for: "entity" }, "Sensor"), entity,
    h("label", { for: "period" }, "Period"), period), area);
  await draw();
}
