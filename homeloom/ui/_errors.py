"""API errors: every failure is JSON ``{code, message}`` with a fitting status, never a trace."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from homeloom.orchestrator import HomeloomError

__all__ = ["ApiError", "error_middleware", "error_response"]

_LOGGER = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


class ApiError(HomeloomError):
    """What a handler raises to answer with an error."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        super().__init__(message)


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response({"code": code, "message": message}, status=status, headers=headers)


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api")


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except ApiError as err:
        return error_response(err.status, err.code, err.message, err.headers)
    except web.HTTPException as err:
        if err.status < 400 or not _wants_json(request):
            raise
        code = _CODES.get(err.status, "error")
        message = err.reason if err.status != 404 else f"no route {request.path}"
        headers = {"Allow": err.headers["Allow"]} if "Allow" in err.headers else None
        return error_response(err.status, code, message, headers)
    except HomeloomError as err:
        return error_response(400, "invalid", str(err))
    except Exception:
        _LOGGER.exception("%s %s failed", request.method, request.path)
        return error_response(500, "internal_error", "internal error: see the server log")
