"""Files the unit tests put in a config folder, and what `check_config` says of them:
one copy of the writers the helper and integration tests each used to carry."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from homeloom.house import check_config

ConfigEntry = dict[str, Any]
Issue = tuple[int | None, str | None, str]


def numbered_entries(title: str, entries: Iterable[tuple[str, Any]]) -> list[ConfigEntry]:
    """One config entry per ``(domain, options)``, with the ids ``e0``, ``e1``, … and the
    titles ``"<title> 0"``, ``"<title> 1"``, … so a test can name each by its place."""
    return [
        {"entry_id": f"e{n}", "domain": domain, "title": f"{title} {n}", "options": options}
        for n, (domain, options) in enumerate(entries)
    ]


def write_config_entries(folder: Path, *entries: Any) -> Path:
    """Write ``entries`` as Home Assistant's ``.storage/core.config_entries`` under
    ``folder``, in the envelope Home Assistant gives that file; return its path."""
    path = folder / ".storage" / "core.config_entries"
    path.parent.mkdir(parents=True, exist_ok=True)
    envelope = {"version": 1, "minor_version": 1, "key": "core.config_entries"}
    path.write_text(json.dumps({**envelope, "data": {"entries": list(entries)}}))
    return path


async def config_errors(folder: Path, configuration: str) -> list[Issue]:
    """``configuration`` written as ``folder``'s configuration.yaml and checked: the
    line, key and message of each error."""
    (folder / "configuration.yaml").write_text(configuration, encoding="utf-8")
    report = await check_config(folder)
    return [(issue.line, issue.key, issue.message) for issue in report.errors]
