"""Loading residents' configurations, second round: what a second sample of public
configuration directories showed. Each configuration here is our own reduction of a
pattern seen there, with our own names."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeloom.house import check_config

pytestmark = pytest.mark.allow_error_logs  # each refused item is logged as an error

CORE = "homeassistant:\n  time_zone: Europe/Oslo\n  latitude: 59.9\n  longitude: 10.7\n"


async def _errors(folder: Path, files: dict[str, str]) -> list[dict]:
    """Write the files (configuration.yaml gets the core block first) and check them."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(CORE + text if name == "configuration.yaml" else text, encoding="utf-8")
    report = await check_config(folder)
    return [issue.as_dict() for issue in report.errors]


async def test_a_phone_notify_without_the_copied_registry_names_the_unknown_device(
    tmp_path: Path,
) -> None:
    """A phone app's notify device action names no entity, and its phone is found in
    Home Assistant's ``.storage``: without it the error names the device and where it
    is found rather than asking for an entity id."""
    automations = (
        "- id: porch_ping\n"
        "  trigger: {platform: event, event_type: porch_bell}\n"
        "  action:\n"
        "    - device_id: 0f3a9c\n"
        "      domain: mobile_app\n"
        "      type: notify\n"
        "      message: Someone is at the porch\n"
    )
    errors = await _errors(
        tmp_path,
        {
            "configuration.yaml": "automation: !include automations.yaml\n",
            "automations.yaml": automations,
        },
    )
    assert len(errors) == 1, errors
    error = errors[0]
    assert (error["file"], error["line"], error["scenario"]) == (
        "automations.yaml",
        4,
        "porch_ping",
    )
    assert error["key"].endswith("device_id"), error
    assert "Unknown device '0f3a9c'" in error["message"], error
    assert ".storage" in error["message"], error
    assert "entity id" not in error["message"], error


async def test_entities_of_polled_platforms_are_not_called_unknown(tmp_path: Path) -> None:
    """A RESTful sensor shows once its resource first answers and a command line sensor
    at its first reading, both when the house starts: an automation naming them is not
    warned about, while a name nothing provides still is."""
    configuration = (
        "sensor:\n"
        "  - platform: rest\n"
        "    name: robot status\n"
        "    resource: http://127.0.0.1:9/state\n"
        "rest:\n"
        "  - resource: http://127.0.0.1:9/other\n"
        "    binary_sensor:\n"
        "      - name: robot docked\n"
        "command_line:\n"
        "  - sensor:\n"
        "      name: attic reading\n"
        "      command: echo 3\n"
        "automation:\n"
        "  - id: robot_watch\n"
        "    trigger:\n"
        "      platform: state\n"
        "      entity_id: [sensor.robot_status, binary_sensor.robot_docked, sensor.attic_reading]\n"
        "    action:\n"
        "      - service: homeassistant.update_entity\n"
        "        entity_id: sensor.robot_battery\n"
    )
    (tmp_path / "configuration.yaml").write_text(CORE + configuration, encoding="utf-8")
    report = await check_config(tmp_path)
    assert report.errors == [], report.errors
    unknown = [issue.message for issue in report.warnings if "unknown entity" in issue.message]
    assert unknown == [
        "unknown entity sensor.robot_battery (no adapter or helper provides it yet)"
    ], unknown


@pytest.mark.parametrize(
    ("file_name", "words"),
    [
        # A per-entity export kept under the entity id's name: the dot is not allowed.
        ("script.hall_lamp_blink.yaml", "lower-case slug, such as 'script_hall_lamp_blink'"),
        ("Hall Lamp.yaml", "lower-case slug, such as 'hall_lamp'"),
        ("toggle.yaml", "'toggle' is a script service's name"),
    ],
)
async def test_a_script_named_by_its_file_says_which_name_would_do(
    tmp_path: Path, file_name: str, words: str
) -> None:
    """With ``!include_dir_named`` a script's name is its file's name: a refused one
    says what a valid name looks like, as Home Assistant's "try ..." does."""
    script = "alias: Hall lamp blink\nsequence:\n  - delay: 1\n"
    errors = await _errors(
        tmp_path,
        {
            "configuration.yaml": "script: !include_dir_named scripts\n",
            f"scripts/{file_name}": script,
        },
    )
    assert len(errors) == 1, errors
    assert (errors[0]["file"], errors[0]["line"]) == (f"scripts/{file_name}", 1), errors
    assert words in errors[0]["message"], errors


@pytest.mark.parametrize(
    ("script", "key", "words"),
    [
        # An icon without its prefix, as written for a dashboard card.
        ("icon: lightbulb-on\n  sequence: []\n", "icon", "prefix:name, such as mdi:lightbulb"),
        # A field's number slider without its ends, refused as a blueprint input's is.
        (
            "fields:\n    level:\n      selector:\n        number: {min: 0}\n  sequence: []\n",
            "fields.level.selector",
            "needs min and max",
        ),
        (
            "fields:\n    level:\n      selector: {slider: {}}\n  sequence: []\n",
            "fields.level.selector",
            "unknown selector kind 'slider'",
        ),
    ],
)
async def test_a_scripts_icon_and_field_selectors_are_checked(
    tmp_path: Path, script: str, key: str, words: str
) -> None:
    errors = await _errors(
        tmp_path,
        {
            "configuration.yaml": "script: !include scripts.yaml\n",
            "scripts.yaml": f"porch_chime:\n  {script}",
        },
    )
    assert len(errors) == 1, errors
    assert errors[0]["file"] == "scripts.yaml", errors
    assert errors[0]["key"] == f"script.porch_chime.{key}", errors
    assert words in errors[0]["message"], errors


async def test_a_scripts_prefixed_icon_and_known_selectors_load(tmp_path: Path) -> None:
    script = (
        "porch_chime:\n"
        "  icon: mdi:bell-ring\n"
        "  fields:\n"
        "    level:\n"
        "      selector:\n"
        "        number: {min: 0, max: 10, step: 0.5}\n"
        "    room:\n"
        "      selector:\n"
        "        text:\n"
        "    quiet:\n"
        "      selector:\n"
        "        boolean:\n"
        "  sequence: []\n"
    )
    errors = await _errors(
        tmp_path, {"configuration.yaml": "script: !include scripts.yaml\n", "scripts.yaml": script}
    )
    assert errors == []
