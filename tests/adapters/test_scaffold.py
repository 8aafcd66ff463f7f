"""``homeloom adapter new``: the package it writes installs, is found, and its tests pass."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib import invalidate_caches
from pathlib import Path

import pytest

from homeloom.adapters import available_adapters
from homeloom.adapters._scaffold import PackageNames, ScaffoldError, scaffold
from homeloom.cli import main


def test_names_are_spelled_for_each_use() -> None:
    names = PackageNames.from_name("acme-plug")
    assert names == PackageNames(
        adapter="acme_plug",
        dist="homeloom-adapter-acme-plug",
        module="homeloom_adapter_acme_plug",
        cls="AcmePlug",
        title="Acme plug",
    )


@pytest.mark.parametrize("name", ["", "Acme", "9lives", "acme plug", "acme__plug", "acme-"])
def test_bad_names_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="not valid"):
        scaffold(name, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_command_writes_the_package_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["adapter", "new", "acme_plug", "--dir", str(tmp_path)]) == 0
    root = tmp_path / "homeloom-adapter-acme-plug"
    assert (root / "src" / "homeloom_adapter_acme_plug" / "_adapter.py").is_file()
    assert (root / "src" / "homeloom_adapter_acme_plug" / "py.typed").is_file()
    assert "python -m pytest" in capsys.readouterr().out
    (root / "README.md").write_text("mine", encoding="utf-8")
    assert main(["adapter", "new", "acme_plug", "--dir", str(tmp_path)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert (root / "README.md").read_text(encoding="utf-8") == "mine"


def test_the_generated_package_tests_pass(tmp_path: Path) -> None:
    root = scaffold("acme_plug", tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout


def test_the_generated_adapter_is_found_through_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = scaffold("acme_plug", tmp_path / "work")
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    points = pyproject["project"]["entry-points"]["homeloom.adapters"]
    # Installed as pip would: a dist-info directory beside the sources.
    dist = root / "src" / "homeloom_adapter_acme_plug-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: homeloom-adapter-acme-plug\nVersion: 0.1.0\n",
        encoding="utf-8",
    )
    lines = "".join(f"{name} = {target}\n" for name, target in points.items())
    (dist / "entry_points.txt").write_text(f"[homeloom.adapters]\n{lines}", encoding="utf-8")
    monkeypatch.syspath_prepend(str(root / "src"))
    invalidate_caches()
    try:
        found = available_adapters()
        assert found["acme_plug"].__name__ == "AcmePlugAdapter"
        assert found["acme_plug"].name == "acme_plug"
    finally:
        for module in [m for m in sys.modules if m.startswith("homeloom_adapter_acme_plug")]:
            del sys.modules[module]
