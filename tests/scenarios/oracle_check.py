"""Check the scenario cases against Home Assistant's own engine (a developer tool, not a test).

    python tests/scenarios/oracle_check.py [NAME_FILTER]

Needs the oracle of ``shared/oracle`` (``setup.sh`` makes its venv). Cases with
``oracle: false`` use homeloom-only features and are skipped. Prints each case
whose expected calls differ from Home Assistant's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from test_cases import CASES, CORE, START, _call, _expected

ORACLE = Path(__file__).resolve().parents[3] / "shared" / "oracle"


def main() -> int:
    wanted = sys.argv[1] if len(sys.argv) > 1 else ""
    python = subprocess.run(
        [str(ORACLE / "setup.sh")], capture_output=True, text=True, check=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for index, (name, case) in enumerate(CASES):
            if case.get("oracle") is False or wanted not in name:
                continue
            folder = Path(tmp) / str(index)
            folder.mkdir()
            config = {**CORE, **(case.get("config") or {})}
            text = yaml.safe_dump(config) + "automation: !include automations.yaml\n"
            (folder / "configuration.yaml").write_text(text)
            (folder / "automations.yaml").write_text(yaml.safe_dump(case.get("automations") or []))
            events = {
                "start": case.get("start", START),
                "initial": case.get("initial") or {},
                "steps": case.get("steps") or [],
            }
            (folder / "events.yaml").write_text(yaml.safe_dump(events))
            jobs.append(
                {
                    "config": str(folder),
                    "events": str(folder / "events.yaml"),
                    "out": str(folder / "out.json"),
                    "name": name,
                    "case": case,
                }
            )
        batch = Path(tmp) / "jobs.jsonl"
        batch.write_text(
            "\n".join(json.dumps({k: j[k] for k in ("config", "events", "out")}) for j in jobs)
        )
        subprocess.run([python, str(ORACLE / "ha_oracle.py"), "--batch", str(batch)], check=False)
        differ = 0
        for job in jobs:
            result = json.loads(Path(job["out"]).read_text())
            got = [_call(call) for call in result["calls"]]
            want = [_expected(row) for row in job["case"].get("calls") or []]
            if got != want:
                differ += 1
                print(f"DIFF {job['name']}\n  ha:       {got}\n  expected: {want}")
                errors = [e.get("message") for e in result.get("errors", [])]
                if errors:
                    print(f"  ha errors: {errors[:3]}")
        print(f"{len(jobs) - differ}/{len(jobs)} cases agree with Home Assistant")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
