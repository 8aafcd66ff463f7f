"""The dashboard's pages: one HTML shell per page, filled in by a small JavaScript module."""

from __future__ import annotations

from html import escape
from pathlib import Path
from string import Template

from aiohttp import web

from ._auth import principal_of
from ._keys import ACCOUNTS
from ._table import Handler

__all__ = ["PAGES", "STATIC_DIR", "install_pages", "security_headers"]

STATIC_DIR = Path(__file__).parent / "static"
# path -> (page name, title); each needs a session except the first two.
PAGES: dict[str, tuple[str, str]] = {
    "/login": ("login", "Log in"),
    "/onboarding": ("onboarding", "Welcome"),
    "/": ("house", "House"),
    "/inbox": ("inbox", "Approvals"),
    "/scenarios": ("scenarios", "Scenarios"),
    "/why": ("why", "Why"),
    "/history": ("history", "History"),
    "/privacy": ("privacy", "Privacy"),
    "/accounts": ("accounts", "Accounts and tokens"),
}
_PUBLIC_PAGES = frozenset({"/login", "/onboarding"})
_NAV = [
    ("/", "House"),
    ("/inbox", "Approvals"),
    ("/scenarios", "Scenarios"),
    ("/history", "History"),
    ("/privacy", "Privacy"),
    ("/accounts", "Accounts"),
]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Every response: a strict CSP (no inline script), no framing, no sniffing."""
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api") or request.path in PAGES:
        response.headers.setdefault("Cache-Control", "no-store")


def _shell() -> Template:
    return Template((STATIC_DIR / "shell.html").read_text(encoding="utf-8"))


def _nav(path: str, user: str | None) -> str:
    if user is None:
        return ""
    items = []
    for href, label in _NAV:
        current = ' aria-current="page"' if href == path else ""
        items.append(f'<li><a href="{href}"{current}>{label}</a></li>')
    links = "".join(items)
    return (
        f'<nav aria-label="Main"><ul>{links}</ul>'
        f'<span class="who">{escape(user)}</span>'
        '<button type="button" id="logout" class="quiet">Log out</button></nav>'
    )


def _page_handler(path: str) -> Handler:
    page, title = PAGES[path]

    async def handler(request: web.Request) -> web.StreamResponse:
        principal = principal_of(request)
        accounts = request.app[ACCOUNTS]
        if path not in _PUBLIC_PAGES and principal is None:
            target = "/onboarding" if accounts.needs_onboarding else "/login"
            raise web.HTTPFound(f"{target}?next={request.path_qs}" if path != "/" else target)
        if path == "/login" and accounts.needs_onboarding:
            raise web.HTTPFound("/onboarding")
        if path == "/onboarding" and not accounts.needs_onboarding:
            raise web.HTTPFound("/login")
        csrf = principal.session.csrf if principal and principal.session else ""
        user = principal.user.name if principal else None
        role = principal.role if principal else ""
        html = _shell().substitute(
            title=escape(title),
            page=page,
            csrf=escape(csrf),
            role=escape(role),
            nav=_nav(path, user),
        )
        return web.Response(text=html, content_type="text/html")

    return handler


def install_pages(app: web.Application) -> None:
    for path in PAGES:
        app.router.add_get(path, _page_handler(path))
    app.router.add_static("/static", STATIC_DIR, show_index=False, append_version=False)
