"""A Shelly Gen2+ JSON-RPC client: calls over HTTP, notifications over the WebSocket.

Both channels live at ``/rpc``. Transport failures become :class:`ShellyUnreachable`,
refused credentials :class:`ShellyAuthError`, error answers :class:`ShellyRpcError`;
nothing from aiohttp leaks past this module.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from ._auth import DigestChallenge, parse_challenge
from ._errors import ShellyAuthError, ShellyRpcError, ShellyUnreachable

__all__ = ["NotificationHandler", "ShellyRpc"]

_LOGGER = logging.getLogger(__name__)
_UNAUTHORIZED = 401
_HEARTBEAT_S = 30.0

#: Called with a notification's method (``NotifyStatus``...) and its params.
NotificationHandler = Callable[[str, Mapping[str, Any]], None]


class ShellyRpc:
    """One device's RPC endpoint; the caller owns (and closes) the aiohttp session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        adapter: str,
        host: str,
        port: int,
        password: str | None,
        *,
        timeout: float,
    ) -> None:
        self._session = session
        self._adapter = adapter
        self.address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # IPv6
        self.url = f"http://{self.address}/rpc"
        self.ws_url = f"ws://{self.address}/rpc"
        self._password = password
        self._timeout = timeout
        self._challenge: DigestChallenge | None = None
        self._ids = itertools.count(1)

    # --- HTTP ---------------------------------------------------------------------

    async def call(self, method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Call ``method`` over HTTP and return its result, authenticating if asked to."""
        frame: dict[str, Any] = {"id": next(self._ids), "method": method}
        if params is not None:
            frame["params"] = dict(params)
        status, answer, challenge = await self._post(frame, self._authorization())
        if status == _UNAUTHORIZED:  # no credentials yet, or a nonce the device let expire
            self._challenge = self._new_challenge(challenge)
            status, answer, _ = await self._post(frame, self._authorization())
            if status == _UNAUTHORIZED:
                raise ShellyAuthError(self._adapter, self.address, "wrong password (user admin)")
        return self._result(method, answer)

    def _authorization(self) -> dict[str, str]:
        if self._challenge is None or self._password is None:
            return {}
        header = self._challenge.authorization_header(self._password, "POST", "/rpc")
        return {"Authorization": header}

    async def _post(
        self, frame: Mapping[str, Any], headers: Mapping[str, str]
    ) -> tuple[int, Any, str]:
        try:
            async with self._session.post(
                self.url,
                json=frame,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as response:
                text = await response.text()
                challenge = response.headers.get("WWW-Authenticate", "")
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            raise ShellyUnreachable(
                self._adapter, self.address, f"not answering ({err or type(err).__name__})"
            ) from None
        if status == _UNAUTHORIZED:
            return status, None, challenge
        try:
            return status, json.loads(text), challenge
        except ValueError:
            raise ShellyRpcError(
                self._adapter, self.address, str(frame["method"]), status, "answer is not JSON"
            ) from None

    def _new_challenge(self, header: str) -> DigestChallenge:
        if self._password is None:
            raise ShellyAuthError(
                self._adapter,
                self.address,
                "the device is protected by a password; add 'password:' to its configuration",
            )
        params = parse_challenge(header) or {}
        if "nonce" not in params or "realm" not in params:
            raise ShellyAuthError(
                self._adapter, self.address, f"unsupported authentication challenge {header!r}"
            )
        return DigestChallenge(params["realm"], params["nonce"])

    def _result(self, method: str, answer: Any) -> dict[str, Any]:
        if not isinstance(answer, dict):
            raise ShellyRpcError(self._adapter, self.address, method, -1, "answer is not an object")
        error = answer.get("error")
        if error is not None:
            code, message = _error_fields(error)
            if code == _UNAUTHORIZED:
                raise ShellyAuthError(self._adapter, self.address, "wrong password (user admin)")
            raise ShellyRpcError(self._adapter, self.address, method, code, message)
        result = answer.get("result")
        if result is None:
            return {}
        if not isinstance(result, dict):
            return {"value": result}
        return result

    # --- WebSocket -----------------------------------------------------------------

    async def listen(
        self,
        src: str,
        on_full_status: Callable[[Mapping[str, Any]], None],
        on_notification: NotificationHandler,
    ) -> None:
        """Subscribe as ``src`` and deliver notifications until the device goes away.

        The subscribing request is ``Shelly.GetStatus``; its result goes to
        ``on_full_status`` before any notification. Returns when the socket closes.
        """
        try:
            async with self._session.ws_connect(
                self.ws_url,
                heartbeat=_HEARTBEAT_S,
                timeout=aiohttp.ClientWSTimeout(ws_close=self._timeout),
            ) as ws:
                async with asyncio.timeout(self._timeout):
                    on_full_status(await self._subscribe(ws, src, on_notification))
                async for message in ws:
                    if message.type is not aiohttp.WSMsgType.TEXT:
                        continue
                    frame = self._frame(message.data)
                    if frame is not None and "method" in frame:
                        self._dispatch(frame, on_notification)
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            raise ShellyUnreachable(
                self._adapter, self.address, f"WebSocket failed ({err or type(err).__name__})"
            ) from None

    async def _subscribe(
        self, ws: aiohttp.ClientWebSocketResponse, src: str, on_notification: NotificationHandler
    ) -> Mapping[str, Any]:
        request: dict[str, Any] = {"id": next(self._ids), "src": src, "method": "Shelly.GetStatus"}
        await ws.send_json(request)
        retried = False
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            frame = self._frame(message.data)
            if frame is None:
                continue
            if "method" in frame:
                self._dispatch(frame, on_notification)
                continue
            if frame.get("id") != request["id"]:
                continue
            error = frame.get("error")
            if error is not None and _error_fields(error)[0] == _UNAUTHORIZED:
                request = {
                    **request,
                    "id": next(self._ids),
                    "auth": self._frame_auth(error, retried),
                }
                retried = True
                await ws.send_json(request)
                continue
            result = self._result("Shelly.GetStatus", frame)
            return result
        raise ShellyUnreachable(self._adapter, self.address, "closed the WebSocket")

    def _frame_auth(self, error: Any, retried: bool) -> dict[str, Any]:
        if self._password is None:
            raise ShellyAuthError(
                self._adapter,
                self.address,
                "the device is protected by a password; add 'password:' to its configuration",
            )
        if retried:
            raise ShellyAuthError(self._adapter, self.address, "wrong password (user admin)")
        try:
            details = json.loads(_error_fields(error)[1])
            challenge = DigestChallenge(
                str(details["realm"]), details["nonce"], nc=int(details.get("nc", 1))
            )
        except (ValueError, KeyError, TypeError):
            raise ShellyAuthError(
                self._adapter, self.address, "unsupported authentication challenge"
            ) from None
        return challenge.frame_auth(self._password)

    def _frame(self, data: Any) -> dict[str, Any] | None:
        try:
            frame = json.loads(data)
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            _LOGGER.warning("%s: ignored a malformed message: %.200r", self.ws_url, data)
            return None
        return frame

    def _dispatch(self, frame: Mapping[str, Any], on_notification: NotificationHandler) -> None:
        method, params = frame.get("method"), frame.get("params")
        if not isinstance(method, str) or not isinstance(params, Mapping):
            _LOGGER.warning("%s: ignored a malformed notification: %.200r", self.ws_url, frame)
            return
        on_notification(method, params)


def _error_fields(error: Any) -> tuple[int, str]:
    if isinstance(error, Mapping):
        code = error.get("code")
        return (code if isinstance(code, int) else -1), str(error.get("message", ""))
    return -1, str(error)
