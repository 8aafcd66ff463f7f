// Accounts (admin): people, their roles and what a guest is shared; everyone: tokens for scripts.

import { api, role } from "./api.js";
import { content, h, toast } from "./dom.js";

async function attempt(request, done) {
  try {
    const result = await request();
    if (done) done(result);
    return result;
  } catch (error) {
    toast(error.message);
    return null;
  }
}

function userRow(user) {
  const roleSelect = h("select", {
    "aria-label": `Role of ${user.name}`,
    onchange: (e) => attempt(() => api("PATCH", `/api/users/${encodeURIComponent(user.username)}`, { role: e.target.value }),
      () => toast(`${user.name} is now ${e.target.value}`)),
  }, ["admin", "resident", "guest"].map((r) => h("option", { value: r, selected: r === user.role }, r)));
  const shared = h("input", {
    type: "text", value: user.shared.join(", "), "aria-label": `Shared with ${user.name} (entity or area ids)`,
  });
  return h("tr", {},
    h("th", { scope: "row" }, `${user.name} (${user.username})`),
    h("td", {}, roleSelect),
    h("td", {}, h("form", {
      class: "row",
      onsubmit: (e) => {
        e.preventDefault();
        const list = shared.value.split(",").map((x) => x.trim()).filter(Boolean);
        attempt(() => api("PATCH", `/api/users/${encodeURIComponent(user.username)}`, { shared: list }), () => toast("Saved"));
      },
    }, shared, h("button", { type: "submit" }, "Save"))),
    h("td", {}, h("button", {
      type: "button", "aria-label": `Delete ${user.name}`,
      onclick: () => window.confirm(`Delete ${user.name}?`)
        && attempt(() => api("DELETE", `/api/users/${encodeURIComponent(user.username)}`), render),
    }, "Delete")));
}

function newUser() {
  const form = h("form", {
    class: "stack", "aria-label": "New account",
    onsubmit: (e) => {
      e.preventDefault();
      const data = Object.fromEntries(new FormData(form));
      data.shared = (data.shared || "").split(",").map((x) => x.trim()).filter(Boolean);
      attempt(() => api("POST", "/api/users", data), render);
    },
  },
  h("label", {}, "User name", h("input", { name: "username", type: "text", required: true, autocomplete: "off" })),
  h("label", {}, "Name", h("input", { name: "name", type: "text" })),
  h("label", {}, "Password", h("input", { name: "password", type: "password", minLength: 8, required: true, autocomplete: "new-password" })),
  h("label", {}, "Role", h("select", { name: "role" }, ["resident", "guest", "admin"].map((r) => h("option", { value: r }, r)))),
  h("label", {}, "Shared with a guest (entity or area ids, comma separated)", h("input", { name: "shared", type: "text" })),
  h("button", { type: "submit", class: "primary" }, "Create account"));
  return form;
}

function tokens(list) {
  const shown = h("p", { role: "status" });
  const form = h("form", {
    class: "row", "aria-label": "New token",
    onsubmit: (e) => {
      e.preventDefault();
      const name = new FormData(form).get("name");
      attempt(() => api("POST", "/api/tokens", { name }), (token) => {
        shown.replaceChildren("Copy this token now, it is shown only once: ", h("code", {}, token.token));
      });
    },
  }, h("label", {}, "Token name", h("input", { name: "name", type: "text", required: true })),
  h("button", { type: "submit" }, "Create token"));
  return [
    h("ul", {}, list.map((t) => h("li", {}, `${t.name} (${t.username}, ${new Date(t.created).toLocaleDateString()}) `,
      h("button", { type: "button", class: "quiet", "aria-label": `Revoke ${t.name}`,
        onclick: () => attempt(() => api("DELETE", `/api/tokens/${encodeURIComponent(t.id)}`), render) }, "Revoke")))),
    form, shown,
  ];
}

export async function render() {
  const list = await api("GET", "/api/tokens");
  const parts = [];
  if (role === "admin") {
    const users = await api("GET", "/api/users");
    parts.push(h("h2", {}, "People"),
      h("table", {}, h("thead", {}, h("tr", {}, ["Person", "Role", "Shared", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, users.map(userRow))),
      h("h2", {}, "New account"), newUser());
  }
  parts.push(h("h2", {}, "Tokens for scripts"),
    h("p", { class: "muted" }, "Scripts and the homeloom command send a token as a bearer token."),
    ...tokens(list));
  content(...parts);
}
