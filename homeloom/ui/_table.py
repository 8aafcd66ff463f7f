"""The API's routes in one table: the router and the OpenAPI document are both built from it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["Handler", "Route", "RouteTable"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Schema = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    response: Schema | None  # the body of a success; None for a WebSocket
    status: int = 200
    body: Schema | None = None
    query: tuple[tuple[str, Schema, bool], ...] = ()  # name, schema, required
    public: bool = False
    errors: tuple[int, ...] = field(default=(400, 401, 403, 404))


class RouteTable:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        path: str,
        summary: str,
        *,
        tag: str,
        response: Schema | None,
        status: int = 200,
        body: Schema | None = None,
        query: tuple[tuple[str, Schema, bool], ...] = (),
        public: bool = False,
        errors: tuple[int, ...] = (400, 401, 403, 404),
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(
                Route(
                    method,
                    path,
                    handler,
                    summary,
                    tag,
                    response,
                    status,
                    body,
                    query,
                    public,
                    errors,
                )
            )
            return handler

        return register

    def install(self, app: web.Application) -> None:
        for route in self.routes:
            app.router.add_route(route.method, route.path, route.handler)
