"""Helpers made in Home Assistant's UI (``.storage/input_boolean``, ``counter``...): a
file or item that cannot be read is an error naming the file and the item, never a
crash, and every other helper is set up."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeloom.orchestrator import ConfigIssue, Runtime, TestClock
from homeloom.orchestrator._ha_registries import STORAGE_DIR
from homeloom.scenarios import setup_helpers
from homeloom.scenarios._helper_storage import COLLECTION_DOMAINS

# Derandomized: CI runs the same examples each time, and a failure reproduces.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
GOOD = {"id": "good", "name": "Good"}
# A counter item as Home Assistant's UI writes it: every key it reads is there.
GOOD_COUNTER = {**GOOD, "initial": 0, "step": 1, "minimum": None, "maximum": None, "restore": True}


def _write(root: Path, name: str, content: Any) -> Path:
    path = root / STORAGE_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _collection(domain: str, items: list[Any], version: int = 1, minor: int = 1) -> Any:
    return {"version": version, "minor_version": minor, "key": domain, "data": {"items": items}}


def _set_up(root: Path, config: dict[str, Any] | None = None) -> tuple[Runtime, list[ConfigIssue]]:
    runtime = Runtime(clock=TestClock(), config_dir=root)
    issues = asyncio.run(setup_helpers(runtime, config or {}))
    return runtime, issues


def test_items_become_editable_helpers_named_by_registry_or_name(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "input_boolean",
        _collection("input_boolean", [GOOD, {"id": "x", "name": "Hall lamp"}]),
    )
    registry = {
        "entities": [
            {"entity_id": "input_boolean.renamed", "platform": "input_boolean", "unique_id": "good"}
        ]
    }
    _write(tmp_path, "core.entity_registry", {"version": 1, "minor_version": 13, "data": registry})
    runtime, issues = _set_up(tmp_path)
    assert issues == []
    renamed, by_name = (
        runtime.states.get("input_boolean.renamed"),
        runtime.states.get("input_boolean.hall_lamp"),
    )
    assert renamed is not None and by_name is not None
    assert (
        renamed.attributes["editable"] is True
        and by_name.attributes["friendly_name"] == "Hall lamp"
    )
    assert runtime.states.get("input_boolean.good") is None


def test_malformed_json_is_reported_and_the_other_collections_load(tmp_path: Path) -> None:
    path = _write(tmp_path, "counter", '{"version": 1, "data": {"items": [')
    _write(tmp_path, "input_boolean", _collection("input_boolean", [GOOD]))
    runtime, issues = _set_up(tmp_path)
    assert [(issue.file, issue.message.startswith("not read:")) for issue in issues] == [
        (str(path), True)
    ]
    assert runtime.states.get("input_boolean.good") is not None


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (_collection("timer", [GOOD], version=2), "version 2.1 is not one"),
        ({"version": 1, "data": {"entries": []}}, '{"data": {"items": [...]}}'),
        ([1, 2], '{"data": {"items": [...]}}'),
    ],
)
def test_a_file_of_another_version_or_shape_is_not_read(
    tmp_path: Path, content: Any, words: str
) -> None:
    path = _write(tmp_path, "timer", content)
    runtime, issues = _set_up(tmp_path)
    assert len(issues) == 1 and issues[0].file == str(path) and words in issues[0].message
    assert runtime.states.get("timer.good") is None


def test_a_newer_minor_version_is_read(tmp_path: Path) -> None:
    _write(tmp_path, "input_button", _collection("input_button", [GOOD], minor=9))
    runtime, issues = _set_up(tmp_path)
    assert issues == [] and runtime.states.get("input_button.good") is not None


@pytest.mark.parametrize(
    ("item", "key", "words"),
    [
        ("text", "data.items[0]", "expected a mapping"),
        ({"name": "No id"}, "data.items[0].id", "'id' must be a non-empty text"),
        ({"id": "n"}, "data.items[0].name", "'name' must be a non-empty text"),
        ({"id": "n", "name": "N", "min": 5.0}, "data.items[0].max", "max: Field required"),
        ({"id": "n", "name": "N", "min": 5.0, "max": 1.0}, "data.items[0]", "must be below max"),
    ],
)
def test_a_bad_item_names_file_item_and_key_and_the_others_load(
    tmp_path: Path, item: Any, key: str, words: str
) -> None:
    good = {**GOOD, "min": 0.0, "max": 10.0, "step": 1.0, "mode": "slider"}
    path = _write(tmp_path, "input_number", _collection("input_number", [item, good]))
    runtime, issues = _set_up(tmp_path)
    assert [(issue.file, issue.key) for issue in issues] == [(str(path), key)]
    assert words in issues[0].message and issues[0].message.startswith("input_number item")
    assert runtime.states.get("input_number.good") is not None


def test_unknown_keys_are_ignored_as_home_assistant_ignores_them(tmp_path: Path) -> None:
    item = {**GOOD, "min": 0, "max": 100, "mode": "text", "from_a_later_version": 1}
    _write(tmp_path, "input_text", _collection("input_text", [item]))
    runtime, issues = _set_up(tmp_path)
    assert issues == [] and runtime.states.get("input_text.good") is not None


@pytest.mark.parametrize("key", ["minimum", "maximum", "step", "initial", "restore"])
def test_a_counter_lacking_a_key_home_assistant_reads_is_reported(tmp_path: Path, key: str) -> None:
    lacking = {k: v for k, v in {**GOOD_COUNTER, "id": "lacking"}.items() if k != key}
    path = _write(tmp_path, "counter", _collection("counter", [lacking, GOOD_COUNTER]))
    runtime, issues = _set_up(tmp_path)
    assert [(issue.file, issue.key) for issue in issues] == [(str(path), f"data.items[0].{key}")]
    assert f"counter item 'lacking' skipped: '{key}' missing" in issues[0].message
    assert runtime.states.get("counter.lacking") is None
    assert runtime.states.get("counter.good") is not None


def test_a_yaml_item_keeps_its_id_and_the_stored_one_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, "counter", _collection("counter", [GOOD]))
    runtime, issues = _set_up(tmp_path, {"counter": {"good": {"name": "From YAML"}}})
    assert len(issues) == 1 and "already used by counter.good" in issues[0].message
    state = runtime.states.get("counter.good")
    assert state is not None and state.attributes["editable"] is False


def test_a_disabled_registry_entry_keeps_the_helper_out(tmp_path: Path) -> None:
    _write(tmp_path, "input_boolean", _collection("input_boolean", [GOOD]))
    entry = {"entity_id": "input_boolean.good", "platform": "input_boolean", "unique_id": "good"}
    entities = {"entities": [{**entry, "disabled_by": "user"}]}
    _write(tmp_path, "core.entity_registry", {"version": 1, "data": entities})
    runtime, issues = _set_up(tmp_path)
    assert issues == [] and runtime.states.get("input_boolean.good") is None


def test_input_select_options_are_deduplicated_below_minor_version_2(tmp_path: Path) -> None:
    item = {**GOOD, "options": ["a", "b", "a"]}
    _write(tmp_path, "input_select", _collection("input_select", [item], minor=1))
    runtime, issues = _set_up(tmp_path)
    state = runtime.states.get("input_select.good")
    assert issues == [] and state is not None and state.attributes["options"] == ["a", "b"]


def test_files_are_never_written(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "input_select", _collection("input_select", [{**GOOD, "options": ["a", "a"]}])
    )
    before = path.read_bytes()
    _set_up(tmp_path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["input_select"]


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=6))
junk: Any = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
KEYS = [
    "id",
    "name",
    "icon",
    "initial",
    "min",
    "max",
    "step",
    "mode",
    "options",
    "has_date",
    "has_time",
    "duration",
    "restore",
    "minimum",
    "maximum",
    "pattern",
    "monday",
]
items = st.one_of(junk, st.dictionaries(st.sampled_from(KEYS), junk, max_size=6))
files = st.one_of(
    st.lists(items, max_size=4).map(lambda found: json.dumps(_collection("x", found))),
    junk.map(json.dumps),
    st.text(max_size=20),
)


@FUZZ
@given(st.sampled_from(COLLECTION_DOMAINS), files)
def test_hostile_collections_are_reported_never_raise_and_others_load(
    domain: str, content: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = _write(root, domain, content)
        other = "counter" if domain != "counter" else "input_boolean"
        _write(root, other, _collection(other, [GOOD_COUNTER if other == "counter" else GOOD]))
        runtime, issues = _set_up(root)
        assert all(issue.file == str(path) for issue in issues)
        assert runtime.states.get(f"{other}.good") is not None
