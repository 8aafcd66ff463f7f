"""Blueprints: inputs with defaults and sections, filled by use_blueprint, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeloom.scenarios import load_yaml_text
from homeloom.scenarios._automation_config import AutomationConfigError, parse_automation
from homeloom.scenarios._blueprints import BlueprintError, apply_blueprint, load_blueprint

MOTION_LIGHT = """\
blueprint:
  name: Motion-activated light
  domain: automation
  input:
    motion:
      name: Motion sensor
      selector: {entity: {domain: binary_sensor}}
    target_light:
      name: Light
      selector: {target: {entity: {domain: light}}}
    timing:
      name: Timing
      input:
        wait:
          name: Wait time
          default: 120
          selector: {number: {min: 0, max: 3600}}
mode: restart
triggers:
  - trigger: state
    entity_id: !input motion
    to: "on"
actions:
  - action: light.turn_on
    target: !input target_light
  - wait_for_trigger:
      - trigger: state
        entity_id: !input motion
        to: "off"
  - delay: !input wait
  - action: light.turn_off
    target: !input target_light
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "blueprints" / "automation" / "homeloom"
    folder.mkdir(parents=True)
    (folder / "motion_light.yaml").write_text(MOTION_LIGHT, encoding="utf-8")
    return tmp_path


def test_inputs_are_filled_and_defaults_apply(config_dir: Path) -> None:
    blueprint = load_blueprint(config_dir, "automation", "homeloom/motion_light.yaml")
    assert blueprint.name == "Motion-activated light"
    assert set(blueprint.inputs) == {"motion", "target_light", "wait"}
    filled = apply_blueprint(
        blueprint,
        {"input": {"motion": "binary_sensor.hall", "target_light": {"entity_id": "light.hall"}}},
    )
    assert filled["triggers"][0]["entity_id"] == "binary_sensor.hall"
    assert filled["actions"][0]["target"] == {"entity_id": "light.hall"}
    assert filled["actions"][2] == {"delay": 120}
    assert filled["mode"] == "restart"


def test_use_blueprint_in_an_automation_keeps_its_own_keys(config_dir: Path) -> None:
    item = load_yaml_text(
        "id: hall\nalias: Hall light\nuse_blueprint:\n  path: homeloom/motion_light.yaml\n"
        "  input:\n    motion: binary_sensor.hall\n    target_light: {entity_id: light.hall}\n"
        "    wait: 30\n"
    )
    spec = parse_automation(item, config_dir=config_dir)
    assert (spec.id, spec.alias, spec.mode) == ("hall", "Hall light", "restart")
    assert spec.actions[2] == {"delay": 30}


def test_a_missing_input_is_named_with_the_using_position(config_dir: Path) -> None:
    item = load_yaml_text(
        "id: hall\nuse_blueprint:\n  path: homeloom/motion_light.yaml\n"
        "  input:\n    motion: binary_sensor.hall\n",
        "automations.yaml",
    )
    with pytest.raises(AutomationConfigError) as refused:
        parse_automation(item, config_dir=config_dir)
    issue = refused.value.issues[0]
    assert "missing input 'target_light'" in issue.message
    assert (issue.file, issue.line) == ("automations.yaml", 3)


def test_an_input_the_blueprint_does_not_declare_is_ignored(config_dir: Path) -> None:
    blueprint = load_blueprint(config_dir, "automation", "homeloom/motion_light.yaml")
    use = load_yaml_text(
        "input:\n  motion: a\n  target_light: b\n  colour: red\n", "automations.yaml"
    )
    filled = apply_blueprint(blueprint, use)
    assert filled["triggers"][0]["entity_id"] == "a"
    assert "red" not in str(filled)


def _write(config_dir: Path, name: str, text: str) -> None:
    (config_dir / "blueprints" / "automation" / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("block", "words"),
    [
        ("  domain: automation\n", "needs a 'name'"),
        ("  name: b\n", "needs a 'domain'"),
        ("  name: b\n  domain: automation\n  colour: red\n", "unknown key 'colour'"),
        ("  name: b\n  domain: automation\n  source_url: example.org/b\n", "source_url"),
        ("  name: b\n  domain: automation\n  homeassistant: {min_version: '2024.6'}\n", "major"),
        ("  name: b\n  domain: automation\n  input: {x: {example: 1}}\n", "'example'"),
        ("  name: b\n  domain: automation\n  input: {x: 3}\n", "mapping or empty"),
    ],
)
def test_the_blueprint_block_is_checked_like_home_assistant(
    config_dir: Path, block: str, words: str
) -> None:
    _write(config_dir, "checked.yaml", f"blueprint:\n{block}triggers: []\nactions: []\n")
    with pytest.raises(BlueprintError, match=words):
        load_blueprint(config_dir, "automation", "checked.yaml")


def test_a_newer_min_version_and_a_source_url_still_load(config_dir: Path) -> None:
    _write(
        config_dir,
        "future.yaml",
        "blueprint:\n  name: f\n  domain: automation\n  author: me\n"
        "  source_url: https://example.org/f.yaml\n  homeassistant: {min_version: 2099.1.0}\n"
        "triggers: []\nactions: []\n",
    )
    assert load_blueprint(config_dir, "automation", "future.yaml").name == "f"


def test_a_blueprint_path_must_end_in_yaml(config_dir: Path) -> None:
    _write(config_dir, "short.yml", "blueprint: {name: s, domain: automation}\n")
    with pytest.raises(BlueprintError, match=r"must end in \.yaml"):
        load_blueprint(config_dir, "automation", "short.yml")


def test_a_missing_blueprint_lists_the_available_ones(config_dir: Path) -> None:
    with pytest.raises(BlueprintError, match=r"homeloom/motion_light\.yaml"):
        load_blueprint(config_dir, "automation", "nope.yaml")


def test_a_path_cannot_leave_the_blueprint_folder(config_dir: Path) -> None:
    (config_dir / "secrets.yaml").write_text("a: b\n", encoding="utf-8")
    with pytest.raises(BlueprintError, match="leaves"):
        load_blueprint(config_dir, "automation", "../../secrets.yaml")


def test_an_undeclared_input_reference_is_an_error(config_dir: Path) -> None:
    folder = config_dir / "blueprints" / "automation"
    (folder / "broken.yaml").write_text(
        "blueprint:\n  name: b\n  domain: automation\n  input: {}\n"
        "triggers: [{trigger: state, entity_id: !input sensor}]\nactions: []\n",
        encoding="utf-8",
    )
    blueprint = load_blueprint(config_dir, "automation", "broken.yaml")
    with pytest.raises(BlueprintError, match="!input sensor is not declared"):
        apply_blueprint(blueprint, {"input": {}})
