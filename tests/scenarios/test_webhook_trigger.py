"""The webhook trigger: JSON, form and query data; methods and the local-network rule."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import TestClock, WebhookRequest, Webhooks

CONFIG = """\
automation:
  - id: doorbell
    triggers:
      - trigger: webhook
        webhook_id: front-door-bell
    actions:
      - action: notify.notify
        data:
          message: >-
            {{ trigger.webhook_id }} {{ trigger.json.who if trigger.json is defined else '' }}
            {{- trigger.data.who if trigger.data is defined else '' }}
            {{- ' q=' ~ trigger.query.get('q', '') }}
  - id: anywhere
    triggers:
      - platform: webhook
        webhook_id: from-anywhere
        allowed_methods: [GET]
        local_only: false
    actions:
      - action: notify.notify
        data: {message: "{{ trigger.query.code }}"}
"""


async def _house(tmp_path: Path) -> tuple[House, list[str]]:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(datetime(2026, 6, 1, tzinfo=UTC)), adapters=False)
    assert (await house.setup()).errors == []
    await house.start()
    messages: list[str] = []
    house.runtime.bus.listen(
        "homeloom_notification", lambda event: messages.append(event.data["message"])
    )
    return house, messages


def _request(webhook_id: str, **given: Any) -> WebhookRequest:
    values: dict[str, Any] = {
        "method": "POST",
        "body": b"",
        "content_type": "",
        "query": {},
        "remote": "192.168.1.20",
    }
    values.update(given)
    return WebhookRequest(webhook_id=webhook_id, **values)


async def test_json_form_and_query_reach_the_scenario(tmp_path: Path) -> None:
    house, messages = await _house(tmp_path)
    webhooks = house.runtime.components["webhooks"]
    assert isinstance(webhooks, Webhooks)
    assert webhooks.ids() == ["from-anywhere", "front-door-bell"]
    json_body = _request(
        "front-door-bell", body=b'{"who": "postman"}', content_type="application/json"
    )
    assert webhooks.handle(json_body) == 1
    await house.runtime.idle()
    form_body = _request(
        "front-door-bell",
        method="PUT",
        body=b"who=neighbour",
        content_type="application/x-www-form-urlencoded",
        query={"q": "1"},
    )
    assert webhooks.handle(form_body) == 1
    await house.runtime.idle()
    assert messages == ["front-door-bell postman q=", "front-door-bell neighbour q=1"]
    await house.stop()


async def test_methods_and_the_local_network_rule(tmp_path: Path) -> None:
    house, messages = await _house(tmp_path)
    webhooks = house.runtime.components["webhooks"]
    assert webhooks.handle(_request("front-door-bell", method="GET")) == 0
    assert webhooks.handle(_request("front-door-bell", remote="8.8.8.8")) == 0
    assert webhooks.handle(_request("no-such-hook")) == 0
    assert (
        webhooks.handle(
            _request("from-anywhere", method="GET", remote="8.8.8.8", query={"code": "42"})
        )
        == 1
    )
    await house.runtime.idle()
    assert messages == ["42"]
    # A turned-off scenario no longer listens (no alias: named by its place).
    await house.runtime.services.call(
        "automation", "turn_off", target={"entity_id": "automation.automation_1"}
    )
    assert webhooks.handle(_request("from-anywhere", method="GET", query={"code": "7"})) == 0
    await house.stop()


@pytest.mark.allow_error_logs
async def test_a_webhook_trigger_without_an_id_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(
        "automation:\n  - triggers: [{trigger: webhook, allowed_methods: [PATCH]}]\n"
        "    actions: []\n",
        encoding="utf-8",
    )
    house = House(tmp_path, clock=TestClock(), adapters=False, persist=False)
    report = await house.setup()
    assert any("'webhook_id' is required" in issue.message for issue in report.errors)
    await house.runtime.stop()
