"""``homeloom check``: the whole configuration validated, every error with its position."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from homeloom.cli import main
from homeloom.demo import DEMO_CONFIGURATION


def _check(config_dir: Path, capsys: Any) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--config", str(config_dir), "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_the_demo_configuration_checks_clean(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "configuration.yaml").write_text(DEMO_CONFIGURATION, encoding="utf-8")
    code, report = _check(tmp_path, capsys)
    assert code == 0
    assert report["ok"] is True and report["errors"] == []
    assert report["scenarios"] == {"loaded": 4, "failed": 0}


BROKEN_FILES = {
    "configuration.yaml": """\
homeloom:
  name: Broken house
  time_zone: Mars/Olympus
automation: !include automations.yaml
automation manual: !include_dir_merge_list automations/
input_number:
  volume:
    min: 0
    max: 10
    stepp: 1
""",
    "automations.yaml": """\
- id: fine
  triggers:
    - trigger: state
      entity_id: binary_sensor.hall_motion
      to: "on"
  actions:
    - action: light.turn_on
      target: {entity_id: light.hall}
- id: misspelt
  triggers:
    - trigger: state
      entity_id: binary_sensor.hall_motion
  actions:
    - action: light.turn_on
  moode: restart
""",
    "automations/more.yaml": """\
- alias: No actions
  triggers:
    - trigger: time
      at: "07:00:00"
""",
}


@pytest.mark.allow_error_logs
def test_a_broken_configuration_reports_every_error_at_its_position(
    tmp_path: Path, capsys: Any
) -> None:
    for name, text in BROKEN_FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    code, report = _check(tmp_path, capsys)
    assert code == 1
    assert report["ok"] is False
    assert report["scenarios"] == {"loaded": 1, "failed": 2}
    by_key = {(e["file"], e["key"]): e for e in report["errors"]}

    zone = by_key[("configuration.yaml", "homeloom.time_zone")]
    assert (zone["line"], zone["column"]) == (3, 14)
    assert "Mars/Olympus" in zone["message"]

    moode = by_key[("automations.yaml", "moode")]
    assert (moode["line"], moode["column"], moode["scenario"]) == (15, 3, "misspelt")
    assert "mode" in moode["message"]  # names what would be valid

    missing = by_key[("automations/more.yaml", "actions")]
    assert missing["scenario"] == "No actions" and missing["line"] == 1

    stepp = [e for e in report["errors"] if "stepp" in (e["key"] or "") + e["message"]]
    assert stepp and stepp[0]["file"] == "configuration.yaml" and stepp[0]["line"] == 10


def test_check_exits_non_zero_without_a_configuration(tmp_path: Path, capsys: Any) -> None:
    code, report = _check(tmp_path / "nowhere", capsys)
    assert code == 1 and report["errors"][0]["message"].startswith("no configuration.yaml")


def test_the_console_script_prints_a_readable_report(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(
        "homeloom:\n  unit_system: furlongs\n", encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "homeloom", "check", "--config", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "configuration.yaml:2:" in done.stdout and "furlongs" in done.stdout
