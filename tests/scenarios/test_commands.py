"""shell_command and rest_command: services residents define, with their responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from homeloom.house import House
from homeloom.orchestrator import ServiceNotFound, TestClock

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


async def _house(config_dir: Path, configuration: str) -> tuple[House, list[str]]:
    (config_dir / "configuration.yaml").write_text(configuration, encoding="utf-8")
    house = House(config_dir, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    assert report.errors == []
    await house.start()
    messages: list[str] = []
    house.runtime.bus.listen(
        "homeloom_notification", lambda event: messages.append(event.data["message"])
    )
    return house, messages


async def test_shell_commands_run_and_answer(tmp_path: Path) -> None:
    marker = tmp_path / "door_opened"
    house, messages = await _house(
        tmp_path,
        f"""\
shell_command:
  touch_marker: touch {marker}
  greet: "echo hello {{{{ who }}}}; echo not a shell"
automation:
  - id: a
    triggers: [{{trigger: event, event_type: go}}]
    actions:
      - action: shell_command.touch_marker
      - action: shell_command.greet
        data: {{who: alice}}
        response_variable: greeting
      - action: notify.notify
        data: {{message: "{{{{ greeting.stdout }}}} ({{{{ greeting.returncode }}}})"}}
""",
    )
    house.runtime.bus.fire("go", {})
    await house.runtime.idle()
    assert marker.exists()
    # A templated command is split, not given to a shell: ";" is only a character.
    assert messages == ["hello alice; echo not a shell (0)"]
    await house.stop()


async def test_rest_commands_send_templated_requests(tmp_path: Path) -> None:
    received: list[dict[str, Any]] = []

    async def device(request: web.Request) -> web.Response:
        received.append(
            {
                "method": request.method,
                "path": request.path,
                "body": await request.text(),
                "type": request.content_type,
                "auth": request.headers.get("Authorization", ""),
            }
        )
        return web.json_response({"ok": True, "level": 42})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", device)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        house, messages = await _house(
            tmp_path,
            f"""\
rest_command:
  set_level:
    url: "http://127.0.0.1:{server.port}/rooms/{{{{ room }}}}"
    method: put
    payload: '{{"level": {{{{ level }}}}}}'
    content_type: application/json
    username: home
    password: secret
automation:
  - id: a
    triggers: [{{trigger: event, event_type: go}}]
    actions:
      - action: rest_command.set_level
        data: {{room: hall, level: 30}}
        response_variable: answer
      - action: notify.notify
        data: {{message: "{{{{ answer.status }}}} {{{{ answer.content.level }}}}"}}
""",
        )
        house.runtime.bus.fire("go", {})
        await house.runtime.idle()
    finally:
        await server.close()
    (request,) = received
    assert (request["method"], request["path"], request["type"]) == (
        "PUT",
        "/rooms/hall",
        "application/json",
    )
    assert json.loads(request["body"]) == {"level": 30}
    assert request["auth"].startswith("Basic ")
    assert messages == ["200 42"]
    await house.stop()


@pytest.mark.allow_error_logs
async def test_bad_commands_are_reported_and_the_rest_load(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(
        "shell_command:\n  ok: 'true'\n  broken: {cmd: x}\n"
        "rest_command:\n  nourl: {method: get}\n  odd: {url: 'http://x', method: fetch}\n",
        encoding="utf-8",
    )
    house = House(tmp_path, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    found = {(issue.key, issue.line): issue.message for issue in report.errors}
    assert "a shell command is a command line" in found[("shell_command.broken", 3)]
    assert "needs a 'url'" in found[("rest_command.nourl", 5)]
    assert "unknown method 'fetch'" in found[("rest_command.odd", 6)]
    assert house.runtime.services.has("shell_command", "ok")
    with pytest.raises(ServiceNotFound):
        await house.runtime.services.call("shell_command", "broken")
    await house.runtime.stop()
