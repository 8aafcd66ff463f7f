"""Check the scenario cases against Home Assistant's own engine (a developer tool, not a test).

    python tests/scenarios/oracle_check.py [NAME_FILTER]

Needs the oracle of ``shared/oracle`` (``setup.sh`` makes its venv). Cases with
``oracle: false`` use homeloom-only features and are skipped. Cases with
``oracle: full`` run through ``oracle_full.py``, which sets up the helper,
script, scene, group and zone integrations the configuration holds (and, for a
``stub: false`` case, lets their services run for real); the others run
through the shared oracle as it is. Prints each case whose expected calls, or
expected run outcomes when it lists ``runs``, differ from Home Assistant's, and
each case whose runs end otherwise in homeloom than in Home Assistant:
``homeloom simulate`` replays the same job folder here, so homeloom must be
importable (``PYTHONPATH=.``). A case with ``runs_oracle: false`` has its calls
checked only, its ``why`` saying why its runs end otherwise.
"""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from test_cases import (
    CASES,
    CORE,
    START,
    _call,
    _expected,
    write_blueprints,
    write_custom_templates,
    write_files,
    write_known_devices,
    write_storage,
)

from homeloom.simulate import simulate

ORACLE = Path(__file__).resolve().parents[3] / "shared" / "oracle"
FULL_ORACLE = Path(__file__).with_name("oracle_full.py")


def write_job(folder: Path, case: dict[str, Any]) -> dict[str, Any]:
    """Write a case's config dir and events file; the job line the oracle reads."""
    folder.mkdir()
    config = {**CORE, **(case.get("config") or {})}
    text = yaml.safe_dump(config, sort_keys=False) + "automation: !include automations.yaml\n"
    (folder / "configuration.yaml").write_text(text)
    automations = case.get("automations") or []
    if isinstance(automations, str):
        automations = yaml.safe_load(automations)
    (folder / "automations.yaml").write_text(yaml.safe_dump(automations, sort_keys=False))
    write_blueprints(folder, case.get("blueprints"))
    write_custom_templates(folder, case.get("custom_templates"))
    write_known_devices(folder, case.get("known_devices"))
    write_files(folder, case.get("files"))
    write_storage(folder, case.get("storage"))
    events = {
        "start": case.get("start", START),
        "initial": case.get("initial") or {},
        "steps": case.get("steps") or [],
    }
    (folder / "events.yaml").write_text(yaml.safe_dump(events, sort_keys=False))
    return {
        "config": str(folder),
        "events": str(folder / "events.yaml"),
        "out": str(folder / "out.json"),
        "real_services": case.get("stub", True) is False,
    }


def run_batch(python: str, script: Path, jobs: list[dict[str, Any]], batch: Path) -> None:
    if not jobs:
        return
    batch.write_text("\n".join(json.dumps(job) for job in jobs))
    subprocess.run([python, str(script), "--batch", str(batch)], check=False)


def homeloom_runs(case: dict[str, Any], job: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs ``homeloom simulate`` reports for the job folder the oracle ran."""
    events = yaml.safe_load(Path(job["events"]).read_text(encoding="utf-8"))
    result = asyncio.run(
        simulate(Path(job["config"]), events, stub_services=case.get("stub", True))
    )
    return list(result["runs"])


def run_endings(runs: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """Each run's second and outcome, in time order. Runs of one second are sorted by
    outcome: homeloom starts a run at once, Home Assistant in a task, so the runs
    of one instant may start in another order (docs/scenarios.md)."""
    return sorted((math.floor(run["offset_s"] + 0.01), run["outcome"]) for run in runs)


def differences(
    case: dict[str, Any], result: dict[str, Any], ours: list[dict[str, Any]] | None
) -> list[str]:
    """What Home Assistant did that the case does not expect, or that homeloom does
    otherwise (``ours``: homeloom's runs; None for a case whose runs are not
    compared, ``runs_oracle: false``), one line each."""
    lines = []
    got = [_call(call) for call in result["calls"]]
    want = [_expected(row) for row in case.get("calls") or []]
    if got != want:
        lines += [f"  ha calls:   {got}", f"  expected:   {want}"]
    if ours is None:
        return with_errors(lines, result)
    outcomes = [run["outcome"] for run in result["runs"]]
    other_runs = []
    if "runs" in case and outcomes != case["runs"]:
        other_runs.append(f"  expected:   {case['runs']}")
    if run_endings(ours) != run_endings(result["runs"]):
        other_runs.append(f"  homeloom:   {[run['outcome'] for run in ours]}")
    if other_runs:
        lines += [f"  ha runs:    {outcomes}", *other_runs]
    return with_errors(lines, result)


def with_errors(lines: list[str], result: dict[str, Any]) -> list[str]:
    """``lines``, and Home Assistant's first errors when there is a difference."""
    if lines:
        errors = [error.get("message") for error in result.get("errors", [])]
        if errors:
            lines.append(f"  ha errors: {errors[:3]}")
    return lines


def main() -> int:
    wanted = sys.argv[1] if len(sys.argv) > 1 else ""
    python = subprocess.run(
        [str(ORACLE / "setup.sh")], capture_output=True, text=True, check=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        plain: list[dict[str, Any]] = []
        full: list[dict[str, Any]] = []
        checked: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        for index, (name, case) in enumerate(CASES):
            mode = case.get("oracle", True)
            if mode is False or wanted not in name:
                continue
            job = write_job(Path(tmp) / str(index), case)
            (full if mode == "full" else plain).append(job)
            checked.append((name, case, job))
        run_batch(python, ORACLE / "ha_oracle.py", plain, Path(tmp) / "plain.jsonl")
        run_batch(python, FULL_ORACLE, full, Path(tmp) / "full.jsonl")
        differ = 0
        for name, case, job in checked:
            ours = homeloom_runs(case, job) if case.get("runs_oracle", True) else None
            lines = differences(case, json.loads(Path(job["out"]).read_text()), ours)
            if lines:
                differ += 1
                print(f"DIFF {name}", *lines, sep="\n")
        print(
            f"{len(checked) - differ}/{len(checked)} cases agree with Home Assistant"
            f" ({len(full)} with the full oracle)"
        )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
