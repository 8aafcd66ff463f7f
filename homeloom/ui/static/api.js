// Talking to the house: JSON requests with the CSRF token, and one live WebSocket.

const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
export const role = document.querySelector('meta[name="role"]')?.content || "";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 401 && !location.pathname.startsWith("/login")) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    }
    throw new ApiError(response.status, data.code || "error", data.message || response.statusText);
  }
  return data;
}

// One WebSocket per page: subscriptions survive reconnections.
export class Live {
  constructor() {
    this.nextId = 1;
    this.pending = new Map();
    this.handlers = new Map();
    this.subscriptions = [];
    this.connect();
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.ws = new WebSocket(`${scheme}://${location.host}/api/websocket`);
    this.ready = new Promise((resolve) => this.ws.addEventListener("open", resolve, { once: true }));
    this.ws.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    this.ws.addEventListener("close", () => {
      document.body.dataset.live = "off";
      setTimeout(() => this.reconnect(), 2000);
    });
    this.ready.then(() => { document.body.dataset.live = "on"; });
  }

  async reconnect() {
    const old = this.subscriptions;
    this.subscriptions = [];
    this.handlers.clear();
    this.connect();
    for (const [message, handler] of old) await this.subscribe(message, handler);
  }

  receive(message) {
    if (message.type === "event") {
      this.handlers.get(message.id)?.(message.data);
      return;
    }
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (message.type === "pong" || message.success) waiting.resolve(message.result);
    else waiting.reject(new ApiError(0, message.error.code, message.error.message));
  }

  async send(message) {
    await this.ready;
    const id = this.nextId++;
    const answer = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.ws.send(JSON.stringify({ ...message, id }));
    return { id, answer };
  }

  async subscribe(message, handler) {
    const { id, answer } = await this.send({ type: "subscribe", ...message });
    this.handlers.set(id, handler);
    this.subscriptions.push([message, handler]);
    await answer;
    return id;
  }

  async call(message) {
    const { answer } = await this.send(message);
    return answer;
  }
}
