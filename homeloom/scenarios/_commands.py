"""``shell_command:`` and ``rest_command:``: services residents define in YAML, as in Home
Assistant.

``shell_command.<name>`` runs a (templated) command line on the house's machine;
``rest_command.<name>`` sends a (templated) HTTP request, typically to a device
on the home network. Both answer with a response (``response_variable``): the
command's ``stdout``, ``stderr`` and ``returncode``, or the request's
``status`` and ``content``. Both have a timeout; a failure fails the step, as
in Home Assistant.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import ConfigIssue, HomeloomError, Runtime, ServiceCall, slugify

from ._errors import issue_at
from ._templates import TemplateError, get_template_engine

if TYPE_CHECKING:
    import ssl

__all__ = ["CommandOutput", "HttpReply", "run_command_line", "send_http_request", "setup_commands"]

_LOGGER = logging.getLogger(__name__)
SHELL_TIMEOUT_S = 60.0
REST_TIMEOUT_S = 10.0
_MAX_OUTPUT = 1_000_000
_REST_KEYS = (
    "url",
    "method",
    "payload",
    "headers",
    "content_type",
    "timeout",
    "verify_ssl",
    "username",
    "password",
)
_METHODS = ("get", "post", "put", "patch", "delete", "head")


class CommandError(HomeloomError):
    """A shell or REST command failed."""


def setup_commands(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Register every ``shell_command`` and ``rest_command`` item; bad ones are reported."""
    issues: list[ConfigIssue] = []
    for domain, register in (("shell_command", _shell), ("rest_command", _rest)):
        block = config.get(domain)
        if block is None:
            continue
        if not isinstance(block, Mapping):
            issues.append(issue_at(config, domain, domain, "expected a mapping of name: command"))
            continue
        for name, item in block.items():
            path = f"{domain}.{name}"
            if slugify(str(name)) != str(name):
                issues.append(issue_at(block, name, path, "the name must be a lower-case slug"))
                continue
            problem = register(runtime, str(name), item)
            if problem is not None:
                issues.append(issue_at(block, name, path, problem))
    return issues


@dataclass(frozen=True, slots=True)
class CommandOutput:
    """What a finished command line printed, and its exit code."""

    stdout: str
    stderr: str
    returncode: int


async def run_command_line(
    command: str, limit_s: float, *, split: bool = False, stdin: str | None = None
) -> CommandOutput:
    """Run ``command`` on the house's machine: given to a shell, or, ``split``, cut into
    arguments and run without one; ``stdin`` is written to it. A command still running
    after ``limit_s`` seconds is killed and TimeoutError raised; one that cannot start
    raises OSError."""
    pipe = asyncio.subprocess.PIPE
    feed = None if stdin is None else pipe
    if split:
        process = await asyncio.create_subprocess_exec(
            *shlex.split(command), stdin=feed, stdout=pipe, stderr=pipe
        )
    else:
        process = await asyncio.create_subprocess_shell(
            command, stdin=feed, stdout=pipe, stderr=pipe
        )
    try:
        async with asyncio.timeout(limit_s):
            stdout, stderr = await process.communicate(None if stdin is None else stdin.encode())
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    except asyncio.CancelledError:
        process.kill()  # the house is stopping: leave nothing running behind it
        raise
    return CommandOutput(
        stdout[:_MAX_OUTPUT].decode(errors="replace"),
        stderr[:_MAX_OUTPUT].decode(errors="replace"),
        process.returncode if process.returncode is not None else -1,
    )


@dataclass(frozen=True, slots=True)
class HttpReply:
    """What a server answered an HTTP request: its status, body text and media type."""

    status: int
    text: str
    content_type: str


async def send_http_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str | int | float] | None = None,
    timeout_s: float = REST_TIMEOUT_S,
    verify_ssl: bool | ssl.SSLContext = True,
    login: tuple[str, str, bool] | None = None,
    encoding: str = "utf-8",
) -> HttpReply:
    """Send one HTTP request (redirects followed) and read its reply's body (its first
    megabyte, decoded by its charset, else by ``encoding``); ``login`` is a user name, a
    password and whether to use digest authentication rather than basic; ``verify_ssl``
    may be the TLS context to use (its own verification and ciphers). Raises
    aiohttp.ClientError or TimeoutError."""
    import aiohttp  # only a house that sends HTTP requests pays for the HTTP client

    middlewares: tuple[aiohttp.ClientMiddlewareType, ...] = ()
    if login is not None and login[2]:
        middlewares = (aiohttp.DigestAuthMiddleware(login[0], login[1]),)
    elif login is not None:
        basic = base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode()
        headers = {**(headers or {}), "Authorization": f"Basic {basic}"}
    async with (
        aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=timeout_s), middlewares=middlewares
        ) as session,
        session.request(
            method,
            url,
            data=body,
            headers=headers,
            params=params,
            ssl=verify_ssl,
        ) as response,
    ):
        raw = await response.content.read(_MAX_OUTPUT)
        text = raw.decode(response.charset or encoding, errors="replace")
        return HttpReply(response.status, text, response.content_type)


def _render(runtime: Runtime, value: Any, call: ServiceCall) -> Any:
    try:
        return get_template_engine(runtime).render_complex(value, dict(call.data))
    except TemplateError as err:
        raise CommandError(str(err)) from None


def _text(runtime: Runtime, value: Any, call: ServiceCall) -> str:
    """A template rendered as text, never parsed into a number or a mapping (a payload)."""
    try:
        engine = get_template_engine(runtime)
        return str(engine.template(str(value)).render(dict(call.data), parse_result=False))
    except TemplateError as err:
        raise CommandError(str(err)) from None


def _shell(runtime: Runtime, name: str, item: Any) -> str | None:
    if not isinstance(item, str) or not item.strip():
        return "a shell command is a command line, such as: touch /tmp/door_opened"
    try:
        get_template_engine(runtime).template(item).ensure_valid()
    except TemplateError as err:
        return str(err)

    async def run(call: ServiceCall) -> dict[str, Any]:
        command = _text(runtime, item, call)
        # As Home Assistant: a template makes the line be split, not given to a shell,
        # so values from outside cannot smuggle in shell syntax.
        split = get_template_engine(runtime).is_template(item)
        try:
            output = await run_command_line(command, SHELL_TIMEOUT_S, split=split)
        except TimeoutError:
            raise CommandError(
                f"shell_command.{name} took longer than {SHELL_TIMEOUT_S:g} s"
            ) from None
        if output.returncode:
            _LOGGER.warning("shell_command.%s exited with %s", name, output.returncode)
        return {
            "stdout": output.stdout.rstrip("\n"),
            "stderr": output.stderr.rstrip("\n"),
            "returncode": output.returncode,
        }

    runtime.services.register(
        "shell_command", name, run, supports_response="optional", description=item
    )
    return None


def _rest(runtime: Runtime, name: str, item: Any) -> str | None:
    if not isinstance(item, Mapping) or not isinstance(item.get("url"), str):
        return "a rest command needs a 'url'"
    unknown = [key for key in item if key not in _REST_KEYS]
    if unknown:
        return f"unknown option {unknown[0]!r}; valid options: {', '.join(_REST_KEYS)}"
    method = str(item.get("method", "get")).lower()
    if method not in _METHODS:
        return f"unknown method {method!r}; valid: {', '.join(_METHODS)}"
    try:
        timeout = float(item.get("timeout", REST_TIMEOUT_S))
    except (TypeError, ValueError):
        return "timeout must be a number of seconds"
    login = f"{item['username']}:{item.get('password', '')}" if item.get("username") else None

    async def run(call: ServiceCall) -> dict[str, Any]:
        import aiohttp  # only a house with REST commands pays for the HTTP client

        url = _text(runtime, item["url"], call)
        headers = {
            str(k): str(v) for k, v in (_render(runtime, item.get("headers"), call) or {}).items()
        }
        if item.get("content_type"):
            headers["Content-Type"] = str(item["content_type"])
        if login is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(login.encode()).decode()
        payload = item.get("payload")
        body = None if payload is None else _text(runtime, payload, call).encode()
        try:
            reply = await send_http_request(
                method,
                url,
                body=body,
                headers=headers,
                timeout_s=timeout,
                verify_ssl=bool(item.get("verify_ssl", True)),
            )
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CommandError(f"rest_command.{name}: {type(err).__name__}: {err}") from None
        content: Any = reply.text
        if reply.content_type == "application/json":
            with contextlib.suppress(ValueError):
                content = json.loads(reply.text)
        if reply.status >= 400:
            _LOGGER.warning("rest_command.%s: %s answered %s", name, url, reply.status)
        return {"status": reply.status, "content": content}

    runtime.services.register(
        "rest_command", name, run, supports_response="optional", description=str(item["url"])
    )
    return None
