"""Adapters are isolated: one that raises or hangs is restarted while the others keep working."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import Mapping
from importlib import invalidate_caches
from pathlib import Path
from typing import Any, ClassVar

import pytest

from homeloom.adapters import (
    Adapter,
    AdapterConfig,
    AdapterManager,
    EntityDescription,
    available_adapters,
)
from homeloom.orchestrator import AdapterError, Context, Runtime


class PlugConfig(AdapterConfig):
    plugs: int = 1


class Plugs(Adapter[PlugConfig]):
    """A well-behaved adapter: switches that do what they are told."""

    name = "plugs"
    config_model = PlugConfig

    async def setup(self) -> None:
        for number in range(self.config.plugs):
            self.hub.add_entity(
                EntityDescription("switch", f"plug-{number}", f"Plug {number}"), "off"
            )

    async def handle_command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> None:
        self.hub.set_state(entity_id, "on" if service == "turn_on" else "off")


class Flaky(Plugs):
    """Fails its first two setups, then works."""

    name = "flaky"
    attempts: ClassVar[int] = 0

    async def setup(self) -> None:
        type(self).attempts += 1
        await super().setup()
        if type(self).attempts <= 2:
            raise ConnectionError("bridge not answering")


class Hangs(Plugs):
    """Its commands never come back."""

    name = "hangs"
    command_timeout: ClassVar[float] = 2.0

    async def handle_command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> None:
        await asyncio.Event().wait()


KINDS = {"plugs": Plugs, "flaky": Flaky, "hangs": Hangs}


@pytest.mark.allow_error_logs
async def test_an_adapter_failing_setup_is_restarted_with_backoff(runtime: Runtime) -> None:
    Flaky.attempts = 0
    manager = AdapterManager(runtime)
    issues = await manager.setup(
        [{"adapter": "flaky"}, {"adapter": "plugs", "plugs": 2}], known=KINDS
    )
    assert issues == []
    flaky = runtime.states.get("switch.plug_0")
    assert flaky is not None
    assert runtime.states.get("switch.plug_1") is not None
    slot = manager.slots["flaky"]
    assert not slot.running and slot.failures == 1
    await runtime.advance(1)  # first retry after 1 s fails again
    assert slot.failures == 2 and not slot.running
    await runtime.advance(1)
    assert not slot.running  # the second backoff is 2 s
    await runtime.advance(1)
    assert slot.running and Flaky.attempts == 3


@pytest.mark.allow_error_logs
async def test_a_hung_command_marks_the_adapter_unavailable_and_others_keep_working(
    runtime: Runtime,
) -> None:
    manager = AdapterManager(runtime)
    await manager.setup(
        [{"adapter": "hangs"}, {"adapter": "plugs", "name": "good", "plugs": 2}], known=KINDS
    )
    hung_entity = manager.slots["hangs"].entities[0]
    good_entity = manager.slots["good"].entities[1]
    call = asyncio.ensure_future(
        runtime.services.call("switch", "turn_on", target={"entity_id": hung_entity})
    )
    await runtime.advance(2.5)
    with pytest.raises(AdapterError, match="no answer"):
        await call
    await runtime.idle()
    hung = runtime.states.get(hung_entity)
    assert hung is not None and hung.state == "unavailable"
    await runtime.services.call("switch", "turn_on", target={"entity_id": good_entity})
    good = runtime.states.get(good_entity)
    assert good is not None and good.state == "on"
    await runtime.advance(1)  # restarted after the backoff
    assert manager.slots["hangs"].running
    back = runtime.states.get(hung_entity)
    assert back is not None and back.state == "off"


async def test_bad_adapter_entries_are_reported_with_positions(runtime: Runtime) -> None:
    from homeloom.scenarios import load_yaml_text

    configs = load_yaml_text(
        "- adapter: plugs\n  plugs: many\n- adapter: nowhere\n- adapter: plugs\n  colour: red\n",
        "configuration.yaml",
    )
    manager = AdapterManager(runtime)
    issues = await manager.setup(configs, known=KINDS)
    by_key = {issue.key: issue for issue in issues}
    assert by_key["adapters[0].plugs"].line == 2
    assert "available: flaky, hangs, plugs" in by_key["adapters[1].adapter"].message
    assert "valid options" in by_key["adapters[2].colour"].message
    assert by_key["adapters[2].colour"].line == 5
    assert manager.slots == {}


def test_a_separately_installed_package_is_found_through_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "acme_homeloom"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            from homeloom.adapters import Adapter, AdapterConfig

            class AcmeAdapter(Adapter[AdapterConfig]):
                name = "acme"
            """
        ),
        encoding="utf-8",
    )
    dist = tmp_path / "acme_homeloom-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-homeloom\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        "[homeloom.adapters]\nacme = acme_homeloom:AcmeAdapter\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    invalidate_caches()
    found = available_adapters()
    assert "acme" in found and found["acme"].__module__ == "acme_homeloom"
    assert "virtual" in found  # the built-in one, through the same mechanism
    sys.modules.pop("acme_homeloom", None)
