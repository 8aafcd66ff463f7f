// The dashboard's entry point: each page's module draws into #content.

import { api } from "./api.js";
import { toast } from "./dom.js";

const pages = {
  login: () => import("./login.js"),
  onboarding: () => import("./login.js"),
  house: () => import("./house.js"),
  inbox: () => import("./inbox.js"),
  scenarios: () => import("./scenarios.js"),
  why: () => import("./why.js"),
  history: () => import("./history.js"),
  privacy: () => import("./privacy.js"),
  accounts: () => import("./accounts.js"),
};

async function start() {
  const page = document.body.dataset.page;
  document.getElementById("logout")?.addEventListener("click", async () => {
    await api("POST", "/api/auth/logout", {});
    location.assign("/login");
  });
  try {
    const module = await pages[page]();
    await module.render(page);
    document.body.dataset.ready = "yes";
  } catch (error) {
    toast(error.message);
    throw error;
  }
}

start();
