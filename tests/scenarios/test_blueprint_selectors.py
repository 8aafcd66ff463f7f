"""The selectors Home Assistant 2024.3 takes in a blueprint's inputs, and those it refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from homeloom.scenarios import BlueprintError, load_blueprint
from homeloom.scenarios._blueprint_selectors import selector_problem
from homeloom.scenarios._yaml import load_config_text


@pytest.mark.parametrize(
    "selector",
    [
        {"entity": {"domain": "binary_sensor", "device_class": ["motion"], "multiple": True}},
        {"entity": {"filter": [{"domain": "person"}]}},
        {"device": {"integration": "zha", "model": "Remote"}},
        {"area": {"entity": {"domain": "light"}}},
        {"target": {"entity": {"domain": "light"}}},
        {"number": {"min": 0, "max": 100}},
        {"number": {"mode": "box"}},
        {"select": {"options": ["a", "b"], "multiple": True}},
        {"text": {"multiline": True}},
        {"boolean": None},
        {"time": {}},
        {"duration": {"enable_day": False}},
        {"action": {}},
        {"object": None},
        {"template": {}},
    ],
)
def test_the_selectors_residents_use_are_taken(selector: dict[str, Any]) -> None:
    assert selector_problem(selector) is None


@pytest.mark.parametrize(
    ("selector", "words"),
    [
        (None, "a mapping"),
        ("entity", "a mapping"),
        ({"entity": {}, "device": {}}, "one kind"),
        ({"entities": {"domain": "switch"}}, "unknown selector kind 'entities'"),
        ({"entity": {"domain": "scene", "mulitple": True}}, "no option mulitple"),
        ({"entity": ["light"]}, "are a mapping"),
        ({"number": {}}, "needs min and max"),
        ({"number": {"min": 0, "mode": "slider"}}, "needs min and max"),
        ({"number": {"mode": "dial"}}, "slider or box"),
        ({"select": {"mode": "dropdown"}}, "needs options"),
        ({"state": {}}, "needs entity_id"),
        ({"boolean": {"default": True}}, "no option default"),
    ],
)
def test_a_selector_home_assistant_refuses_is_named(selector: Any, words: str) -> None:
    problem = selector_problem(selector)
    assert problem is not None
    assert words in problem


def test_a_bad_selector_refuses_the_whole_blueprint_at_its_place(tmp_path: Path) -> None:
    folder = tmp_path / "blueprints" / "automation"
    folder.mkdir(parents=True)
    (folder / "fan.yaml").write_text(
        "blueprint:\n  name: Fan\n  domain: automation\n  input:\n"
        "    above:\n      default: 26\n      selector:\n        number: {unit_of_measurement: C}\n"
        "triggers: []\nactions: []\n",
        encoding="utf-8",
    )
    with pytest.raises(BlueprintError) as caught:
        load_blueprint(tmp_path, "automation", "fan.yaml")
    (issue,) = caught.value.issues
    assert (issue.line, issue.key) == (7, "blueprint.input.above.selector")


def test_a_flow_mapping_libyaml_refuses_is_read_as_home_assistant_reads_it() -> None:
    loaded = load_config_text("input:\n  loud: {selector: {boolean:}, default: false}\n")
    assert loaded.errors == []
    assert loaded.value == {"input": {"loud": {"selector": {"boolean": None}, "default": False}}}
    assert loaded.value["input"].position_of("loud").line == 2


def test_text_neither_parser_reads_keeps_libyaml_s_message() -> None:
    loaded = load_config_text("a: {b: [}\n")
    assert loaded.value is None
    (issue,) = loaded.errors
    assert issue.line == 1
