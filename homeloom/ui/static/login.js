// Logging in, and creating the first admin with the code printed on the console.

import { api } from "./api.js";
import { content, h, param } from "./dom.js";

function field(label, name, type = "text", extra = {}) {
  return h("label", {}, label, h("input", { name, type, required: true, ...extra }));
}

function next() {
  const target = param("next") || "/";
  // Only a path of this site: never "//host" or "/\\host", which browsers read as another site.
  return /^\/(?![\/\\])/.test(target) ? target : "/";
}

export async function render(page) {
  const error = h("p", { class: "errors", role: "alert" });
  const onboarding = page === "onboarding";
  const form = h(
    "form",
    { class: "stack", "aria-label": onboarding ? "Create the first account" : "Log in" },
    onboarding
      ? [
          h("p", { class: "muted" },
            "Welcome. Create the administrator account with the one-time code homeloom printed on its console."),
          field("Onboarding code", "code", "text", { autocomplete: "one-time-code" }),
          field("Your name", "name", "text", { autocomplete: "name" }),
        ]
      : [],
    field("User name", "username", "text", { autocomplete: "username" }),
    field("Password", "password", "password", {
      autocomplete: onboarding ? "new-password" : "current-password",
      minLength: 8,
    }),
    error,
    h("button", { class: "primary", type: "submit" }, onboarding ? "Create account" : "Log in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const data = Object.fromEntries(new FormData(form));
    try {
      await api("POST", onboarding ? "/api/onboarding" : "/api/auth/login", data);
      location.assign(next());
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  content(form);
  form.querySelector("input").focus();
}
