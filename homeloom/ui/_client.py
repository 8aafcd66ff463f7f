"""The command-line client: states, call, proposals, approve, reject against a running house."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from ._address import DEFAULT_HOST, DEFAULT_PORT

__all__ = ["CLIENT_COMMANDS", "add_client_commands", "run_client_command"]

CLIENT_COMMANDS = frozenset({"states", "call", "proposals", "approve", "reject"})
TIMEOUT_S = 30


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        default=os.environ.get("HOMELOOM_URL", f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"),
        help="the running homeloom (default: $HOMELOOM_URL or the local one)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("HOMELOOM_TOKEN"),
        help="a long-lived token from the dashboard (default: $HOMELOOM_TOKEN)",
    )
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")


def add_client_commands(commands: Any) -> None:
    states = commands.add_parser("states", help="print the states of a running house")
    states.add_argument("entity_ids", nargs="*", help="only these entities")
    _common(states)
    call = commands.add_parser("call", help="call a service: homeloom call light.turn_on ...")
    call.add_argument("service", help="DOMAIN.SERVICE")
    call.add_argument(
        "values", nargs="*", help="entity_id=light.hall (the target) and key=value (the data)"
    )
    _common(call)
    proposals = commands.add_parser("proposals", help="list what waits for approval")
    proposals.add_argument("--all", action="store_true", help="decided ones too")
    _common(proposals)
    for verb in ("approve", "reject"):
        decide = commands.add_parser(verb, help=f"{verb} a proposal")
        decide.add_argument("proposal", help="the proposal's id, as `homeloom proposals` shows")
        _common(decide)


class ClientError(Exception):
    pass


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _call_body(values: list[str]) -> dict[str, Any]:
    target: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for item in values:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ClientError(f"{item!r}: write key=value")
        if key in ("entity_id", "area_id", "device_id"):
            target[key] = text.split(",") if "," in text else text
        else:
            data[key] = _value(text)
    return {"target": target, "data": data}


async def _request(args: argparse.Namespace, method: str, path: str, body: Any = None) -> Any:
    if not args.token:
        raise ClientError(
            "no token: create one in the dashboard and pass --token or HOMELOOM_TOKEN"
        )
    import aiohttp  # here: the commands that never call a house need not load it

    headers = {"Authorization": f"Bearer {args.token}"}
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.request(method, args.url.rstrip("/") + path, json=body, headers=headers) as r,
        ):
            data = await r.json(content_type=None)
            if r.status >= 400:
                message = data.get("message") if isinstance(data, dict) else None
                raise ClientError(f"{r.status}: {message or r.reason}")
            return data
    except (aiohttp.ClientError, TimeoutError) as err:
        raise ClientError(f"cannot reach homeloom at {args.url}: {err}") from None


async def _run(args: argparse.Namespace) -> Any:
    command = args.command
    if command == "states":
        states = await _request(args, "GET", "/api/states")
        wanted = set(args.entity_ids)
        return [s for s in states if not wanted or s["entity_id"] in wanted]
    if command == "call":
        domain, sep, service = args.service.partition(".")
        if not sep:
            raise ClientError(f"{args.service!r}: write DOMAIN.SERVICE")
        return await _request(
            args, "POST", f"/api/services/{domain}/{service}", _call_body(args.values)
        )
    if command == "proposals":
        status = "all" if args.all else "pending"
        return await _request(args, "GET", f"/api/proposals?status={status}")
    return await _request(args, "POST", f"/api/proposals/{args.proposal}/{command}", {})


def _print(command: str, answer: Any) -> None:
    if command == "states":
        for state in answer:
            print(f"{state['entity_id']:40} {state['state']}")
    elif command == "call":
        print("ok")
    elif command == "proposals":
        if not answer:
            print("nothing waits for approval")
        for p in answer:
            left = f"{int(p['seconds_left'])} s left" if p["status"] == "pending" else p["status"]
            print(f"{p['id']:6} {p['sentence']}  ({left}; decided by {', '.join(p['roles'])})")
    else:
        print(f"{answer['id']}: {answer['status']}")


def run_client_command(args: argparse.Namespace) -> int:
    try:
        answer = asyncio.run(_run(args))
    except ClientError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(answer, indent=2))
    else:
        _print(args.command, answer)
    return 0
