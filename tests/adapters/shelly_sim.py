"""A simulated Shelly Pro device on loopback: HTTP RPC, WebSocket notifications, digest auth.

It speaks the Gen2 protocol as the documentation describes it, with its own
digest checks (written independently of the adapter's), so the adapter is
tested against the wire format rather than against itself.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

from aiohttp import WSMsgType, web

DEVICE_ID = "shellypro2pm-c8f09e8f1a2b"
MAC = "C8F09E8F1A2B"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _status() -> dict[str, Any]:
    return {
        "sys": {"mac": MAC, "uptime": 12},
        "wifi": {"sta_ip": "127.0.0.1", "status": "got ip"},
        "switch:0": {"id": 0, "source": "init", "output": False, "apower": 0.0, "voltage": 230.1},
        "switch:1": {"id": 1, "source": "init", "output": True, "apower": 11.5, "voltage": 230.1},
        "light:0": {"id": 0, "source": "init", "output": False, "brightness": 40},
        "cover:0": {"id": 0, "source": "init", "state": "stopped", "current_pos": 30},
        "input:0": {"id": 0, "state": False},
    }


def _config() -> dict[str, Any]:
    return {
        "switch:0": {"id": 0, "name": "Kettle"},
        "switch:1": {"id": 1, "name": None},
        "light:0": {"id": 0, "name": "Desk lamp"},
        "cover:0": {"id": 0, "name": "Office blinds"},
    }


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ShellySim:
    """One device; start, stop and start again on the same port to vanish and come back."""

    def __init__(self, password: str | None = None, name: str | None = "Office Pro") -> None:
        self.password = password
        self.name = name
        self.status = _status()
        self.config = _config()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.port = 0
        self.subscribers: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self._nonces: set[str] = set()

    # --- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/rpc", self._http)
        app.router.add_get("/rpc", self._websocket)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        if not self.port:
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """The device vanishes: sockets close, and the port stops answering."""
        for ws in list(self.subscribers):
            await ws.close()
        self.subscribers.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- what the device does by itself --------------------------------------------

    async def push(self, changes: Mapping[str, Mapping[str, Any]]) -> None:
        """Something changed on the device (a button was pressed): notify subscribers."""
        for key, change in changes.items():
            self.status[key].update(change)
        await self._notify("NotifyStatus", {"ts": 1.0, **copy.deepcopy(dict(changes))})

    async def push_full(self) -> None:
        await self._notify("NotifyFullStatus", {"ts": 1.0, **copy.deepcopy(self.status)})

    async def send_raw(self, text: str) -> None:
        for ws in list(self.subscribers):
            await ws.send_str(text)

    async def _notify(self, method: str, params: dict[str, Any]) -> None:
        for ws in list(self.subscribers):
            dst = getattr(ws, "_shelly_src", "")
            await ws.send_json({"src": DEVICE_ID, "dst": dst, "method": method, "params": params})

    # --- authentication ------------------------------------------------------------

    def expire_nonces(self) -> None:
        """Nonces live an hour on a real device; make every issued one stale."""
        self._nonces.clear()

    def _nonce(self) -> str:
        nonce = str(secrets.randbelow(10**9))
        self._nonces.add(nonce)
        return nonce

    def _digest_ok(self, fields: Mapping[str, Any], method_uri: str, default_nc: str = "1") -> bool:
        assert self.password is not None
        nonce, cnonce = str(fields.get("nonce", "")), str(fields.get("cnonce", ""))
        if fields.get("realm") != DEVICE_ID or nonce not in self._nonces:
            return False
        ha1 = _sha256(f"admin:{DEVICE_ID}:{self.password}")
        nc = str(fields.get("nc", default_nc))
        expected = _sha256(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{_sha256(method_uri)}")
        return secrets.compare_digest(expected, str(fields.get("response", "")))

    # --- HTTP ------------------------------------------------------------------------

    async def _http(self, request: web.Request) -> web.Response:
        frame = await request.json()
        method = frame.get("method")
        if self.password is not None and method != "Shelly.GetDeviceInfo":
            header = request.headers.get("Authorization", "")
            fields = {
                m[1]: m[2] if m[2] is not None else m[3]
                for m in re.finditer(r'(\w+)=(?:"([^"]*)"|([^\s,]+))', header)
            }
            if not header.startswith("Digest ") or not self._digest_ok(fields, "POST:/rpc"):
                challenge = (
                    f'Digest qop="auth", realm="{DEVICE_ID}", nonce="{self._nonce()}", '
                    "algorithm=SHA-256"
                )
                return web.json_response(
                    {"code": 401, "message": "Unauthorized"},
                    status=401,
                    headers={"WWW-Authenticate": challenge},
                )
        answer: dict[str, Any] = {"id": frame.get("id"), "src": DEVICE_ID}
        try:
            answer["result"] = await self._dispatch(method, frame.get("params") or {})
        except RpcError as err:
            answer["error"] = {"code": err.code, "message": err.message}
            return web.json_response(answer, status=500)
        return web.json_response(answer)

    # --- WebSocket -----------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                await self._ws_frame(ws, frame)
        finally:
            if ws in self.subscribers:
                self.subscribers.remove(ws)
        return ws

    async def _ws_frame(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        answer: dict[str, Any] = {"id": frame.get("id"), "src": DEVICE_ID, "dst": frame.get("src")}
        if self.password is not None and frame.get("method") != "Shelly.GetDeviceInfo":
            auth = frame.get("auth")
            if not isinstance(auth, dict) or not self._digest_ok(auth, "dummy_method:dummy_uri"):
                challenge = {
                    "auth_type": "digest",
                    "nonce": int(self._nonce()),
                    "nc": 1,
                    "realm": DEVICE_ID,
                    "algorithm": "SHA-256",
                }
                answer["error"] = {"code": 401, "message": json.dumps(challenge)}
                await ws.send_json(answer)
                return
        if frame.get("src") and ws not in self.subscribers:
            ws._shelly_src = frame["src"]  # type: ignore[attr-defined]
            self.subscribers.append(ws)
        try:
            answer["result"] = await self._dispatch(frame.get("method"), frame.get("params") or {})
        except RpcError as err:
            answer["error"] = {"code": err.code, "message": err.message}
        await ws.send_json(answer)

    # --- the RPC methods ---------------------------------------------------------------

    async def _dispatch(self, method: Any, params: dict[str, Any]) -> Any:
        self.calls.append((str(method), dict(params)))
        if method == "Shelly.GetDeviceInfo":
            return {
                "name": self.name,
                "id": DEVICE_ID,
                "mac": MAC,
                "model": "SPSW-202XE16EU",
                "gen": 2,
                "fw_id": "20240625-122117/1.3.3-gbdfd9b3",
                "ver": "1.3.3",
                "app": "Pro2PM",
                "auth_en": self.password is not None,
                "auth_domain": DEVICE_ID if self.password is not None else None,
            }
        if method == "Shelly.GetStatus":
            return copy.deepcopy(self.status)
        if method == "Shelly.GetConfig":
            return copy.deepcopy(self.config)
        kind, _, verb = str(method).partition(".")
        key = f"{kind.lower()}:{params.get('id', 0)}"
        if key not in self.status:
            raise RpcError(404, f"No handler for {method}")
        component = self.status[key]
        if verb == "GetStatus":
            return copy.deepcopy(component)
        change: dict[str, Any] = {"id": component["id"], "source": "HTTP_in"}
        result: dict[str, Any] = {}
        if verb in ("Set", "Toggle") and kind in ("Switch", "Light", "RGB", "RGBW"):
            result["was_on"] = component["output"]
            change["output"] = bool(params["on"]) if verb == "Set" else not component["output"]
            for name in ("brightness", "rgb", "white"):
                if name in params:
                    change[name] = params[name]
            if kind == "Switch":
                change["apower"] = 1800.0 if change["output"] else 0.0
        elif kind == "Cover" and verb == "GoToPosition":
            if "pos" in params:
                change["current_pos"] = int(params["pos"])
            if "slat_pos" in params:
                change["slat_pos"] = int(params["slat_pos"])
            change["state"] = "stopped"
        elif kind == "Cover" and verb in ("Open", "Close"):
            change["current_pos"] = 100 if verb == "Open" else 0
            change["state"] = "open" if verb == "Open" else "closed"
        elif kind == "Cover" and verb == "Stop":
            change["state"] = "stopped"
        else:
            raise RpcError(404, f"No handler for {method}")
        await self.push({key: change})
        return result
