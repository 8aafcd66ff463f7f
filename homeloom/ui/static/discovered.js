// Devices found on the network, waiting to be adopted; an admin adopts or ignores each one.

import { api, role } from "./api.js";
import { h, toast } from "./dom.js";

function where(device) {
  return device.host ? `${device.host}${device.port ? `:${device.port}` : ""}` : "no address";
}

function decide(device, item, verb) {
  return async (event) => {
    const buttons = item.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const result = await api("POST", `/api/discovered/${encodeURIComponent(device.id)}/${verb}`);
      if (verb === "adopt") {
        // Its entities join the house: offer to redraw the page with them.
        const count = result.entities.length;
        const said = result.running
          ? `${device.name} adopted: ${count} entit${count === 1 ? "y" : "ies"}. `
          : `${device.name} adopted; not answering yet (${result.last_error || "starting"}). `;
        item.replaceChildren(h("span", { role: "status" }, said, h("a", { href: "/" }, "Show the house")));
        return;
      }
      toast(`${device.name} ignored; it will not be offered again`);
      const list = item.parentElement;
      item.remove();
      if (list && !list.children.length) list.closest("section")?.remove();
    } catch (error) {
      toast(error.message);
      buttons.forEach((b) => { b.disabled = false; });
      event.target.focus();
    }
  };
}

function entry(device) {
  const item = h("li", { class: "discovered", "data-id": device.id });
  item.append(
    h("span", {}, h("strong", {}, device.name), ` ${device.adapter} · ${where(device)}`),
  );
  if (role === "admin") {
    item.append(h("span", { class: "actions" },
      h("button", { type: "button", class: "primary", "aria-label": `Adopt ${device.name}`, onclick: decide(device, item, "adopt") }, "Adopt"),
      h("button", { type: "button", "aria-label": `Ignore ${device.name}`, onclick: decide(device, item, "ignore") }, "Ignore")));
  }
  return item;
}

export function discoveredSection(found) {
  return h("section", { "aria-labelledby": "discovered" },
    h("h2", { id: "discovered" }, "Found on the network, waiting to be adopted"),
    h("ul", { class: "discovered-list" }, found.map(entry)));
}

function offerAgain(device, item) {
  return async (event) => {
    event.target.disabled = true;
    try {
      await api("POST", `/api/discovered/${encodeURIComponent(device.id)}/unignore`);
      toast(`${device.name} will be offered again the next time it announces itself`);
      const list = item.parentElement;
      item.remove();
      if (list && !list.children.length) list.closest("section")?.remove();
    } catch (error) {
      toast(error.message);
      event.target.disabled = false;
    }
  };
}

export function ignoredSection(ignored) {
  const items = ignored.map((device) => {
    const item = h("li", { class: "discovered", "data-id": device.id });
    item.append(
      h("span", {}, h("strong", {}, device.name), ` ${device.adapter} · ignored by ${device.by || "someone"}`),
      h("span", { class: "actions" },
        h("button", { type: "button", "aria-label": `Offer ${device.name} again`, onclick: offerAgain(device, item) }, "Offer again")));
    return item;
  });
  return h("section", { "aria-labelledby": "ignored-devices" },
    h("h2", { id: "ignored-devices" }, "Ignored devices"),
    h("ul", { class: "discovered-list" }, items));
}
