"""The YAML loader: positions, tags, errors, packages, blocks and core settings."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeloom.orchestrator._errors import ConfigError, ConfigIssue
from homeloom.scenarios._config_dir import (
    CoreSettings,
    blocks_for,
    load_config_dir,
    parse_core_settings,
)
from homeloom.scenarios._yaml import (
    InputRef,
    LoadResult,
    Position,
    YamlDict,
    YamlList,
    YamlStr,
    drop_positions,
    load_config_file,
    load_config_text,
    load_yaml_file,
    load_yaml_text,
    position_in,
    position_of,
)
from homeloom.scenarios._yaml_values import FilePlaces
from tests.scenarios.yaml_places import internals


def write(base: Path, name: str, text: str) -> Path:
    path = base / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def where(issue: ConfigIssue) -> tuple[str | None, int | None, int | None, str | None]:
    return issue.file, issue.line, issue.column, issue.key


# --- positions ---------------------------------------------------------------

NESTED = """\
automation:
  - alias: Hall light
    triggers:
      - trigger: state
        entity_id: binary_sensor.hall
    actions: []
name: "Home"
"""


def test_positions_of_keys_items_and_strings(tmp_path: Path) -> None:
    path = write(tmp_path, "configuration.yaml", NESTED)
    config = load_yaml_file(path)
    assert isinstance(config, YamlDict)
    assert config.position == Position("configuration.yaml", 1, 1)
    assert config.position_of("automation") == Position("configuration.yaml", 1, 1)
    assert config.value_position("automation") == Position("configuration.yaml", 2, 3)
    autos = config["automation"]
    assert isinstance(autos, YamlList)
    assert autos.position_of(0) == Position("configuration.yaml", 2, 5)
    auto = autos[0]
    assert auto.position_of("triggers") == Position("configuration.yaml", 3, 5)
    trigger = auto["triggers"][0]
    assert trigger.position_of("entity_id") == Position("configuration.yaml", 5, 9)
    entity = trigger["entity_id"]
    assert type(entity) is str  # a mapping's string values are plain: it knows their place
    assert entity == "binary_sensor.hall"
    assert trigger.value_position("entity_id") == Position("configuration.yaml", 5, 20)
    assert position_in(trigger, "entity_id") == Position("configuration.yaml", 5, 20)
    assert position_in(config, "name") == Position("configuration.yaml", 7, 7)
    assert auto["actions"] == [] and auto["actions"].position.line == 6


def test_drop_positions_forgets_every_place_and_keeps_the_values(tmp_path: Path) -> None:
    text = NESTED + "items:\n  - first\n  - {a: 1}\n"
    config = load_yaml_file(write(tmp_path, "configuration.yaml", text))
    before = load_yaml_text(text, "configuration.yaml")
    item = config["items"][0]
    assert isinstance(item, YamlStr) and item.position is not None
    trigger = config["automation"][0]["triggers"][0]
    normalised = {**trigger, "platform": "state"}  # a plain copy holding loaded values
    config["items"].append_at("added", Position("other.yaml", 3, 4))
    found = drop_positions(config, normalised, [config])  # shared values walked once
    assert found == 9  # 8 containers and the string "first" ("added" is a plain str)
    assert config == {**before, "items": ["first", {"a": 1}, "added"]}
    for container, key in (
        (config, "automation"),
        (config["automation"], 0),
        (trigger, "entity_id"),
        (config["items"], 1),
        (config["items"], 2),
        (config["items"][1], "a"),
    ):
        assert position_of(container, key) is None
        assert position_in(container, key) is None
    assert config.position is None and trigger.position is None
    assert config.value_position("name") is None and item.position is None
    assert item == "first" and isinstance(item, YamlStr)
    # Values set afterwards keep the places given to them.
    config.set_at("later", 1, Position("x.yaml", 1, 1), None)
    assert config.position_of("later") == Position("x.yaml", 1, 1)


def test_plain_containers_and_helper() -> None:
    config = load_yaml_text("a: [1, 2]\nb: {c: d}\n", "x.yaml")
    assert config == {"a": [1, 2], "b": {"c": "d"}}
    assert position_of(config, "b") == Position("x.yaml", 2, 1)
    assert position_of(config["a"], 1) == Position("x.yaml", 1, 8)
    assert position_of(config["a"], 5) is None
    assert position_of({"a": 1}, "a") is None
    assert position_of([1], 0) is None
    assert position_of(config, "missing") is None
    assert type(config["a"][0]) is int  # no wrapper objects for non-string scalars


def test_yaml_11_scalars_like_home_assistant() -> None:
    config = load_yaml_text("a: on\nb: off\nc: yes\nd: 010\ne: 2024-05-01\nf: 1.5\n", "x.yaml")
    assert config == {"a": True, "b": False, "c": True, "d": 8, "e": dt.date(2024, 5, 1), "f": 1.5}
    assert load_yaml_text("on: x\n", "x.yaml") == {True: "x"}


def test_copies_keep_positions() -> None:
    import copy
    import pickle

    config = load_yaml_text("a:\n  - b\n", "x.yaml")
    for clone in (copy.deepcopy(config), pickle.loads(pickle.dumps(config)), config.copy()):
        assert clone == config
        assert clone.position_of("a") == Position("x.yaml", 1, 1)
    assert copy.deepcopy(config)["a"][0].position == Position("x.yaml", 2, 5)


def test_duplicate_key_keeps_last_with_warning() -> None:
    result = load_config_text("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "x.yaml")
    assert result.ok and result.value == {"a": 3, "b": {"c": 2}}
    warnings = sorted(result.warnings, key=lambda w: w.line or 0)
    assert [where(w) for w in warnings] == [("x.yaml", 4, 3, "b.c"), ("x.yaml", 5, 1, "a")]
    assert "line 3, column 3" in warnings[0].message


def test_merge_keys_are_not_duplicates() -> None:
    result = load_config_text("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", "x.yaml")
    assert result.ok and not result.warnings
    assert result.value["use"] == {"x": 1, "y": 3}


def test_empty_file_is_an_empty_mapping(tmp_path: Path) -> None:
    assert load_yaml_file(write(tmp_path, "e.yaml", "# nothing\n")) == {}


# --- tags --------------------------------------------------------------------


def test_include_relative_to_including_file(tmp_path: Path) -> None:
    write(tmp_path, "configuration.yaml", "automation: !include sub/autos.yaml\n")
    write(tmp_path, "sub/autos.yaml", "- alias: a\n  x: !include more.yaml\n")
    write(tmp_path, "sub/more.yaml", "value: 1\n")
    config = load_yaml_file(tmp_path / "configuration.yaml")
    assert config == {"automation": [{"alias": "a", "x": {"value": 1}}]}
    assert config["automation"][0]["x"].position_of("value") == Position("sub/more.yaml", 1, 1)
    assert position_in(config["automation"][0], "alias") == Position("sub/autos.yaml", 1, 10)


def test_include_missing_file_is_error_at_tag(tmp_path: Path) -> None:
    write(tmp_path, "configuration.yaml", "a: 1\nscript: !include nope.yaml\n")
    result = load_config_file(tmp_path / "configuration.yaml")
    assert [where(e) for e in result.errors] == [("configuration.yaml", 2, 9, "script")]
    assert "nope.yaml" in result.errors[0].message
    assert result.value == {"a": 1, "script": None}


def make_dirs(tmp_path: Path) -> None:
    write(tmp_path, "d/b.yaml", "- b1\n- b2\n")
    write(tmp_path, "d/a.yaml", "- a1\n")
    write(tmp_path, "d/nested/c.yaml", "- c1\n")
    write(tmp_path, "d/.hidden.yaml", "- hidden\n")
    write(tmp_path, "d/.git/x.yaml", "- hidden\n")
    write(tmp_path, "d/notes.txt", "- ignored\n")
    write(tmp_path, "d/secrets.yaml", "s: 1\n")
    write(tmp_path, "m/one.yaml", "k1: 1\nk2: 2\n")
    write(tmp_path, "m/sub/two.yaml", "k3: 3\n")


def test_include_dir_list(tmp_path: Path) -> None:
    make_dirs(tmp_path)
    config = load_yaml_text("x: !include_dir_list d\n", str(tmp_path / "c.yaml"))
    assert config == {"x": [["a1"], ["b1", "b2"], ["c1"]]}
    assert config["x"].position_of(2) == Position("d/nested/c.yaml", 1, 1)


def test_include_dir_merge_list(tmp_path: Path) -> None:
    make_dirs(tmp_path)
    config = load_yaml_text("x: !include_dir_merge_list d\n", str(tmp_path / "c.yaml"))
    assert config == {"x": ["a1", "b1", "b2", "c1"]}
    assert config["x"].position_of(2) == Position("d/b.yaml", 2, 3)


def test_include_dir_named(tmp_path: Path) -> None:
    make_dirs(tmp_path)
    config = load_yaml_text("x: !include_dir_named m\n", str(tmp_path / "c.yaml"))
    assert config == {"x": {"one": {"k1": 1, "k2": 2}, "two": {"k3": 3}}}
    assert config["x"].position_of("two") == Position("m/sub/two.yaml", 1, 1)


def test_include_dir_merge_named(tmp_path: Path) -> None:
    make_dirs(tmp_path)
    config = load_yaml_text("x: !include_dir_merge_named m\n", str(tmp_path / "c.yaml"))
    assert config == {"x": {"k1": 1, "k2": 2, "k3": 3}}
    assert config["x"].position_of("k3") == Position("m/sub/two.yaml", 1, 1)


def test_include_dir_missing(tmp_path: Path) -> None:
    result = load_config_text("x: !include_dir_named nowhere\n", str(tmp_path / "c.yaml"))
    assert [where(e) for e in result.errors] == [("c.yaml", 1, 4, "x")]


def test_include_cycle(tmp_path: Path) -> None:
    write(tmp_path, "configuration.yaml", "a: !include b.yaml\n")
    write(tmp_path, "b.yaml", "c:\n  d: !include configuration.yaml\n")
    result = load_config_file(tmp_path / "configuration.yaml")
    assert [where(e) for e in result.errors] == [("b.yaml", 2, 6, "a.c.d")]
    assert "cycle: configuration.yaml -> b.yaml -> configuration.yaml" in result.errors[0].message


def test_include_cycle_through_dir(tmp_path: Path) -> None:
    write(tmp_path, "configuration.yaml", "a: !include_dir_list d\n")
    write(tmp_path, "d/x.yaml", "b: !include ../configuration.yaml\n")
    result = load_config_file(tmp_path / "configuration.yaml")
    assert len(result.errors) == 1 and "cycle" in result.errors[0].message
    assert where(result.errors[0]) == ("d/x.yaml", 1, 4, "a[0].b")


def test_include_depth_limit(tmp_path: Path) -> None:
    for i in range(25):
        write(tmp_path, f"f{i}.yaml", f"n: !include f{i + 1}.yaml\n")
    write(tmp_path, "f25.yaml", "end: true\n")
    result = load_config_file(tmp_path / "f0.yaml")
    assert len(result.errors) == 1
    assert "more than 20 deep" in result.errors[0].message
    assert result.errors[0].file == "f19.yaml"


def test_secret_found_in_parent_dir(tmp_path: Path) -> None:
    write(tmp_path, "secrets.yaml", "password: hunter2\ntoken: root\n")
    write(tmp_path, "pkg/secrets.yaml", "token: local\n")
    write(tmp_path, "configuration.yaml", "x: !include pkg/deep/x.yaml\n")
    write(tmp_path, "pkg/deep/x.yaml", "p: !secret password\nt: !secret token\n")
    config = load_yaml_file(tmp_path / "configuration.yaml")
    assert config == {"x": {"p": "hunter2", "t": "local"}}


def test_secret_strings_keep_their_place_in_secrets_yaml(tmp_path: Path) -> None:
    write(tmp_path, "secrets.yaml", "# secrets\nkey_name: k\nvalue: v\n")
    config = load_yaml_text("a: !secret value\n? !secret key_name\n: 1\n", str(tmp_path / "c.yaml"))
    assert config == {"a": "v", "k": 1}
    assert isinstance(config["a"], YamlStr)
    assert config["a"].position == Position("secrets.yaml", 3, 8)
    assert config.value_position("a") == Position("c.yaml", 1, 4)
    assert config.position_of("k") == Position("secrets.yaml", 2, 11)


def test_string_values_are_plain_and_shared_by_one_load() -> None:
    config = load_yaml_text("a: {x: light.a, y: 'light.a'}\nb: [light.a, {z: light.a}]\n")
    shared = config["a"]["x"]
    assert type(shared) is str and config["a"]["y"] is shared and config["b"][1]["z"] is shared
    item = config["b"][0]  # a sequence's items and a document's root keep their own place
    assert isinstance(item, YamlStr) and item.position == Position("<text>", 2, 5)
    assert load_yaml_text("# x\n  light.a\n").position == Position("<text>", 2, 3)


def test_secret_not_searched_above_root(tmp_path: Path) -> None:
    write(tmp_path, "secrets.yaml", "password: outside\n")
    write(tmp_path, "conf/configuration.yaml", "a:\n  b: !secret password\n")
    result = load_config_file(tmp_path / "conf/configuration.yaml")
    assert [where(e) for e in result.errors] == [("configuration.yaml", 2, 6, "a.b")]
    assert "'password'" in result.errors[0].message


def test_secret_inside_secrets_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "secrets.yaml", "a: !secret b\nb: 1\n")
    result = load_config_text("x: !secret a\n", str(tmp_path / "c.yaml"))
    assert where(result.errors[0]) == ("secrets.yaml", 1, 4, "a")


def test_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMELOOM_TEST_VAR", "from env")
    monkeypatch.delenv("HOMELOOM_UNSET", raising=False)
    text = "a: !env_var HOMELOOM_TEST_VAR\nb: !env_var HOMELOOM_UNSET some default\n"
    assert load_yaml_text(text, "x.yaml") == {"a": "from env", "b": "some default"}
    result = load_config_text("a:\n  - !env_var HOMELOOM_UNSET\n", "x.yaml")
    assert [where(e) for e in result.errors] == [("x.yaml", 2, 5, "a[0]")]
    assert "HOMELOOM_UNSET" in result.errors[0].message


def test_input_placeholder() -> None:
    config = load_yaml_text("entity_id: !input motion_sensor\n", "bp.yaml")
    assert config["entity_id"] == InputRef("motion_sensor", Position("bp.yaml", 1, 12))


def test_tag_needs_a_scalar() -> None:
    result = load_config_text("a: !include {x: 1}\n", "x.yaml")
    assert [where(e) for e in result.errors] == [("x.yaml", 1, 4, "a")]


# --- errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("a: 1\nb: [1, 2\nc: 3\n", 3, 2, "expected ',' or ']'"),
        ("a:\n  b: 1\n c: 2\n", 3, 2, "indentation"),
        ("a: b: c\n", 1, 5, "mapping values are not allowed"),
        ("a: 'open\n", 2, 1, "unexpected end of stream"),
        ("a:\n\tb: 1\n", 2, 1, "tabs cannot be used"),
        ("a: !nope x\n", 1, 4, "could not determine a constructor"),
        ("a: 2024-02-30\n", 1, 4, "invalid date"),
        ("a: *missing\n", 1, 4, "undefined alias"),
    ],
)
def test_syntax_error_positions(text: str, line: int, column: int, words: str) -> None:
    result = load_config_text(text, "bad.yaml")
    assert len(result.errors) == 1, result.errors
    issue = result.errors[0]
    assert (issue.file, issue.line, issue.column) == ("bad.yaml", line, column)
    assert words in issue.message


def test_raising_functions(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_yaml_text("a: [\n", "bad.yaml")
    assert info.value.issues[0].file == "bad.yaml"
    assert str(info.value).startswith("bad.yaml:2:1:")
    with pytest.raises(ConfigError):
        load_yaml_file(tmp_path / "missing.yaml")


def test_invalid_utf8(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_bytes(b"a: 1\nb: \xff\n")
    result = load_config_file(tmp_path / "b.yaml")
    assert [(e.line, e.column) for e in result.errors] == [(2, 4)]


def test_every_error_of_a_broken_file_set_is_reported(tmp_path: Path) -> None:
    monkey_var = "HOMELOOM_SURELY_UNSET_VAR"
    write(tmp_path, "secrets.yaml", "known: 1\n")
    write(
        tmp_path,
        "configuration.yaml",
        "homeassistant:\n"
        "  name: !secret unknown_name\n"
        "automation: !include automations.yaml\n"
        "script: !include_dir_named scripts\n"
        "sensor: !include missing.yaml\n",
    )
    write(tmp_path, "automations.yaml", "- alias: ok\n  x: !env_var " + monkey_var + "\n")
    write(tmp_path, "scripts/good.yaml", "sequence: []\n")
    write(tmp_path, "scripts/broken.yaml", "sequence:\n  - a: 1\n   b: 2\n")
    write(tmp_path, "scripts/sub/also_broken.yaml", "x: [1\n")
    result = load_config_dir(tmp_path)
    assert sorted((where(e) for e in result.errors), key=str) == [
        ("automations.yaml", 2, 6, "automation[0].x"),
        ("configuration.yaml", 2, 9, "homeassistant.name"),
        ("configuration.yaml", 5, 9, "sensor"),
        ("scripts/broken.yaml", 3, 4, "script.broken"),
        ("scripts/sub/also_broken.yaml", 2, 1, "script.also_broken"),
    ]
    # What could be loaded still is.
    assert result.value["script"]["good"] == {"sequence": []}
    assert result.value["automation"][0]["alias"] == "ok"


# --- packages and blocks -----------------------------------------------------


def test_packages_concatenate_single_values_with_theirplaces(tmp_path: Path) -> None:
    write(
        tmp_path,
        "configuration.yaml",
        "homeloom:\n  packages:\n    p:\n      automation: late\nautomation: early\n",
    )
    result = load_config_dir(tmp_path)
    assert result.ok
    merged = result.value["automation"]
    assert merged == ["early", "late"]
    assert merged.position == Position("configuration.yaml", 5, 13)
    assert merged.position_of(0) == Position("configuration.yaml", 5, 13)
    assert merged.position_of(1) == Position("configuration.yaml", 4, 19)


def test_packages_merge(tmp_path: Path) -> None:
    write(
        tmp_path,
        "configuration.yaml",
        "homeassistant:\n"
        "  packages: !include_dir_named packages\n"
        "homeloom:\n"
        "  packages:\n"
        "    inline:\n"
        "      input_boolean:\n"
        "        guest: {name: Guest}\n"
        "automation:\n"
        "  - alias: top\n"
        "input_boolean:\n"
        "  away: {}\n"
        "light:\n"
        "  - platform: group\n",
    )
    write(
        tmp_path,
        "packages/kitchen.yaml",
        "automation:\n"
        "  - alias: kitchen\n"
        "automation extra:\n"
        "  alias: single\n"
        "input_boolean:\n"
        "  cooking: {name: Cooking}\n"
        "light:\n"
        "  platform: template\n"
        "sensor:\n"
        "  - platform: time\n",
    )
    result = load_config_dir(tmp_path)
    assert result.ok, result.errors
    config = result.value
    assert [a["alias"] for a in config["automation"]] == ["top", "kitchen"]
    assert config["automation"].position_of(1) == Position("packages/kitchen.yaml", 2, 5)
    assert config["automation extra"] == {"alias": "single"}
    assert set(config["input_boolean"]) == {"away", "cooking", "guest"}
    assert config["input_boolean"].position_of("cooking") == Position("packages/kitchen.yaml", 6, 3)
    assert config["light"] == [{"platform": "group"}, {"platform": "template"}]
    assert config.position_of("sensor") == Position("packages/kitchen.yaml", 9, 1)


def test_packages_conflict_names_bothplaces(tmp_path: Path) -> None:
    write(
        tmp_path,
        "configuration.yaml",
        "homeassistant:\n"
        "  packages:\n"
        "    one:\n"
        "      input_number:\n"
        "        level: {min: 0, max: 10}\n"
        "input_number:\n"
        "  level: {min: 0, max: 5}\n",
    )
    result = load_config_dir(tmp_path)
    assert [where(e) for e in result.errors] == [
        ("configuration.yaml", 5, 25, "homeassistant.packages.one.input_number.level.max")
    ]
    assert "configuration.yaml:7:19" in result.errors[0].message
    assert "'one'" in result.errors[0].message
    assert result.value["input_number"]["level"]["max"] == 5


def test_packages_bad_shapes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "configuration.yaml",
        "homeassistant:\n  packages:\n    p: [1]\n    q:\n      homeassistant: {name: x}\n",
    )
    result = load_config_dir(tmp_path)
    assert [where(e) for e in result.errors] == [
        ("configuration.yaml", 3, 8, "homeassistant.packages.p"),
        ("configuration.yaml", 5, 7, "homeassistant.packages.q.homeassistant"),
    ]


def test_blocks_for() -> None:
    config = load_yaml_text(
        "automation: [1]\nautomation old: [2]\nautomations: [3]\nautomation manual: [4]\n"
        "script: {}\n",
        "c.yaml",
    )
    assert blocks_for(config, "automation") == [
        ("automation", [1]),
        ("automation old", [2]),
        ("automation manual", [4]),
    ]
    assert blocks_for(config, "scene") == []
    assert blocks_for(None, "automation") == []


# --- core settings -----------------------------------------------------------


def test_core_settings_defaults() -> None:
    core, issues = parse_core_settings({})
    assert issues == []
    assert core == CoreSettings()
    assert (core.name, core.time_zone, core.unit_system, core.elevation) == (
        "Home",
        "UTC",
        "metric",
        0,
    )


def test_core_settings_homeloom_wins_per_key() -> None:
    config = load_yaml_text(
        "homeassistant:\n"
        "  name: HA home\n"
        "  latitude: 48.85\n"
        "  unit_system: imperial\n"
        "  customize: {}\n"
        "homeloom:\n"
        "  name: Loom\n"
        "  time_zone: Europe/Paris\n"
        "  autonomy: ask\n"
        "  currency: eur\n",
        "configuration.yaml",
    )
    core, issues = parse_core_settings(config)
    assert issues == []
    assert core.name == "Loom" and core.latitude == 48.85
    assert core.unit_system == "us_customary" and core.time_zone == "Europe/Paris"
    assert core.currency == "EUR"
    assert core.extra == {"autonomy": "ask"}
    with pytest.raises(ValueError):
        core.name = "frozen"  # type: ignore[misc]


def test_core_settings_bad_values_become_issues() -> None:
    config = load_yaml_text(
        "homeassistant:\n"
        "  latitude: 123\n"
        "  longitude: east\n"
        "  elevation: 12.5\n"
        "homeloom:\n"
        "  time_zone: Mars/Olympus\n"
        "  unit_system: furlongs\n"
        "  name: Fine\n",
        "configuration.yaml",
    )
    core, issues = parse_core_settings(config)
    assert core.name == "Fine"
    assert (core.latitude, core.longitude, core.elevation) == (None, None, 0)
    assert (core.time_zone, core.unit_system) == ("UTC", "metric")
    by_key = {i.key: i for i in issues}
    assert [where(by_key[k]) for k in sorted(by_key, key=str)] == [
        ("configuration.yaml", 4, 14, "homeassistant.elevation"),
        ("configuration.yaml", 2, 13, "homeassistant.latitude"),
        ("configuration.yaml", 3, 14, "homeassistant.longitude"),
        ("configuration.yaml", 6, 14, "homeloom.time_zone"),
        ("configuration.yaml", 7, 16, "homeloom.unit_system"),
    ]
    assert "IANA" in by_key["homeloom.time_zone"].message
    assert "'metric' or 'us_customary'" in by_key["homeloom.unit_system"].message
    assert "90" in by_key["homeassistant.latitude"].message


def test_core_block_must_be_mapping() -> None:
    config = load_yaml_text("homeassistant: [1]\n", "configuration.yaml")
    core, issues = parse_core_settings(config)
    assert core == CoreSettings()
    assert [where(i) for i in issues] == [("configuration.yaml", 1, 16, "homeassistant")]


# --- fuzz --------------------------------------------------------------------

FUZZ = settings(
    max_examples=200,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def check_result(result: LoadResult) -> None:
    assert isinstance(result, LoadResult)
    for issue in (*result.errors, *result.warnings):
        assert isinstance(issue, ConfigIssue) and issue.message
        assert issue.line is None or issue.line >= 1
        assert issue.column is None or issue.column >= 1


YAMLISH = st.lists(
    st.sampled_from([*"ab:-[]{},'\"!&*?|>#%@` \n\t0.1", "<<", "!include ", "!secret ", "!input "]),
    max_size=60,
).map("".join)


@FUZZ
@given(text=st.one_of(st.text(max_size=200), YAMLISH))
def test_fuzz_text_never_crashes(tmp_path: Path, text: str) -> None:
    check_result(load_config_text(text, str(tmp_path / "fuzz.yaml")))


@FUZZ
@given(data=st.binary(max_size=200))
def test_fuzz_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    check_result(load_config_file(path))
    check_result(load_config_text(data.decode("utf-8", "replace"), str(path)))


# PyYAML's emitter mangles line-break characters such as U+0085 in keys; leave them out.
WORDS = st.text(st.characters(exclude_categories=("C", "Z")) | st.just(" "), max_size=10)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), WORDS)
TREES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(WORDS, inner, max_size=4)),
    max_leaves=30,
)


@FUZZ
@given(tree=TREES, flow=st.booleans())
def test_fuzz_nesting_round_trips(tree: Any, flow: bool) -> None:
    text = yaml.safe_dump(tree, default_flow_style=flow, allow_unicode=True)
    result = load_config_text(text, "tree.yaml")
    check_result(result)
    assert result.ok
    assert result.value == ({} if tree is None else tree)


@FUZZ
# Past the parsers' cap (1000) but not far: a block list 3,000 deep is 9 million
# characters of indentation, which made the test slow enough to hit the test timeout
# on a loaded machine.
@given(depth=st.integers(1, 1300), opener=st.sampled_from(["[", "{a: ", "- "]))
def test_fuzz_deep_nesting(depth: int, opener: str) -> None:
    texts = {
        "- ": "".join("  " * i + "-\n" for i in range(depth)),
        "[": "[" * depth + "]" * depth,
        "{a: ": "{a: " * depth + "}" * depth,
    }
    check_result(load_config_text(opener * depth, "deep.yaml"))
    result = load_config_text(texts[opener], "deep.yaml")
    check_result(result)
    if depth <= 900:
        assert result.ok
    else:  # parsers cap the depth (PyYAML 6.0.4 at 1000): a clear error, never a crash
        assert result.ok or any("nest" in issue.message for issue in result.errors)


# --- compact positions ---------------------------------------------------------
# Loaded containers keep the places of their keys and items in packed tables and
# make Position objects on demand; these tests pin that nothing is lost doing so.


def marks_match(value: Any, node: yaml.Node, file: str) -> None:
    """Every position in ``value`` is where PyYAML's own parser puts that node."""

    def at(mark: Any) -> Position:
        return Position(file, mark.line + 1, mark.column + 1)

    if isinstance(node, yaml.MappingNode):
        assert isinstance(value, YamlDict) and value.position == at(node.start_mark)
        assert len(value) == len(node.value)
        for key, (key_node, value_node) in zip(value, node.value, strict=True):
            assert type(key) is not YamlStr  # keys are plain; the mapping knows their place
            assert value.position_of(key) == at(key_node.start_mark)
            assert value.value_position(key) == at(value_node.start_mark)
            if isinstance(value[key], str):  # plain and shared: its place is the mapping's
                assert type(value[key]) is str
                assert position_in(value, key) == at(value_node.start_mark)
            else:
                marks_match(value[key], value_node, file)
    elif isinstance(node, yaml.SequenceNode):
        assert isinstance(value, YamlList) and value.position == at(node.start_mark)
        assert value.position_of(len(value)) is None
        for index, item_node in enumerate(node.value):
            assert value.position_of(index) == at(item_node.start_mark)
            assert value.position_of(index - len(value)) == at(item_node.start_mark)
            marks_match(value[index], item_node, file)
    elif isinstance(value, str):
        assert isinstance(value, YamlStr) and value.position == at(node.start_mark)


@FUZZ
@given(tree=TREES, flow=st.booleans(), width=st.sampled_from([20, 80]))
def test_fuzz_positions_match_the_parser(tree: Any, flow: bool, width: int) -> None:
    text = yaml.safe_dump(tree, default_flow_style=flow, allow_unicode=True, width=width)
    result = load_config_text(text, "tree.yaml")
    assert result.ok and result.value == ({} if tree is None else tree)
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is not None:
        marks_match(result.value, node, "tree.yaml")


def test_positions_in_nested_containers_and_across_includes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "configuration.yaml",
        "automation: !include autos.yaml\n"
        "flow: {a: [x, {b: y}], c: z}\n"
        "long: {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8, k9: v}\n",
    )
    write(
        tmp_path,
        "autos.yaml",
        "- id: one\n  triggers:\n    - trigger: state\n      entity_id: light.a\n"
        "- id: two\n  triggers:\n    - trigger: state\n      entity_id: light.b\n",
    )
    config = load_yaml_file(tmp_path / "configuration.yaml")
    assert config.position_of("automation") == Position("configuration.yaml", 1, 1)
    assert config.value_position("automation") == Position("configuration.yaml", 1, 13)
    autos = config["automation"]
    assert autos.position == Position("autos.yaml", 1, 1)
    assert [autos.position_of(i) for i in (0, 1)] == [
        Position("autos.yaml", 1, 3),
        Position("autos.yaml", 5, 3),
    ]
    # Same keys in the same order, different places.
    for auto, line in zip(autos, (1, 5), strict=True):
        assert auto.position_of("id") == Position("autos.yaml", line, 3)
        assert position_in(auto, "id") == Position("autos.yaml", line, 7)
        trigger = auto["triggers"][0]
        assert auto["triggers"].position_of(0) == Position("autos.yaml", line + 2, 7)
        assert trigger.position_of("entity_id") == Position("autos.yaml", line + 3, 7)
        assert trigger.value_position("entity_id") == Position("autos.yaml", line + 3, 18)
        assert position_in(trigger, "entity_id") == Position("autos.yaml", line + 3, 18)
    flow = config["flow"]
    assert flow.value_position("a") == Position("configuration.yaml", 2, 11)
    assert flow["a"].position_of(1) == Position("configuration.yaml", 2, 15)
    assert flow["a"][1].position_of("b") == Position("configuration.yaml", 2, 16)
    assert position_in(flow["a"][1], "b") == Position("configuration.yaml", 2, 19)
    assert position_in(flow, "c") == Position("configuration.yaml", 2, 27)
    long = config["long"]  # more than a few keys: looked up through an index
    assert long.position_of("k9") == Position("configuration.yaml", 3, 71)
    assert long.value_position("k9") == Position("configuration.yaml", 3, 75)
    assert long.position_of("k0") == Position("configuration.yaml", 3, 8)
    assert long.position_of("missing") is None
    assert position_in(config["long"], "k9") == Position("configuration.yaml", 3, 75)


def test_positions_after_the_structure_changes() -> None:
    config = load_yaml_text("a: 1\nb: [x, y]\n", "x.yaml")
    config.set_at("a", 2, Position("other.yaml", 7, 1), None)
    assert config.position_of("a") == Position("other.yaml", 7, 1)
    assert config.value_position("a") is None
    assert config.position_of("b") == Position("x.yaml", 2, 1)
    del config["b"]  # as before: the recorded place stays
    assert config.position_of("b") == Position("x.yaml", 2, 1)
    config.position = Position("elsewhere.yaml", 3, 3)
    assert config.position == Position("elsewhere.yaml", 3, 3)
    assert config.position_of("b") == Position("x.yaml", 2, 1)

    items = load_yaml_text("- x\n- y\n", "l.yaml")
    items.append("z")  # no position
    items.append_at("w", Position("m.yaml", 9, 9))
    assert [items.position_of(i) for i in range(4)] == [
        Position("l.yaml", 1, 3),
        Position("l.yaml", 2, 3),
        None,
        Position("m.yaml", 9, 9),
    ]
    assert items.position_of(-4) == Position("l.yaml", 1, 3)
    assert items.position_of(4) is None and items.position_of(-5) is None

    clone = config.copy()
    clone.set_at("c", 3, Position("c.yaml", 1, 1), Position("c.yaml", 1, 4))
    assert clone.position_of("c") == Position("c.yaml", 1, 1)
    assert config.position_of("c") is None
    assert clone.position_of("a") == Position("other.yaml", 7, 1)

    fresh = YamlDict({"k": 1})
    assert fresh.position is None and fresh.position_of("k") is None
    fresh.set_at("k", 2, Position("f.yaml", 1, 1), Position("f.yaml", 1, 4))
    fresh.position = Position("f.yaml", 1, 1)
    assert (fresh.position, fresh.value_position("k")) == (
        Position("f.yaml", 1, 1),
        Position("f.yaml", 1, 4),
    )
    assert YamlList().position_of(0) is None


def test_strings_keep_positions_through_copy_and_pickle() -> None:
    import copy
    import pickle

    config = load_yaml_text("a:\n  - b\n  - {c: d}\n", "x.yaml")
    text = config["a"][0]
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(text, protocol))
        assert type(again) is YamlStr and again == "b"
        assert again.position == Position("x.yaml", 2, 5)
    assert copy.copy(text).position == copy.deepcopy(text).position == Position("x.yaml", 2, 5)
    for clone in (copy.deepcopy(config), pickle.loads(pickle.dumps(config))):
        assert clone["a"].position_of(1) == Position("x.yaml", 3, 5)
        assert clone["a"][1].value_position("c") == Position("x.yaml", 3, 9)
        assert position_in(clone["a"][1], "c") == Position("x.yaml", 3, 9)
    made = YamlStr("v", Position("f.yaml", 2, 3))
    assert made.position == Position("f.yaml", 2, 3)
    assert YamlStr("v").position is None
    odd = Position("f.yaml", 0, -1)  # kept as it is, not packed
    assert YamlStr("v", odd).position == odd


def test_merge_keys_keep_places_and_own_duplicates_warn() -> None:
    text = "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n  y: 4\n"
    result = load_config_text(text, "x.yaml")
    use = result.value["use"]
    assert use == {"x": 1, "y": 4}
    assert use.position_of("x") == Position("x.yaml", 1, 11)
    assert use.position_of("y") == Position("x.yaml", 5, 3)
    assert use.value_position("y") == Position("x.yaml", 5, 6)
    assert [(where(w), w.message) for w in result.warnings] == [
        (
            ("x.yaml", 5, 3, "use.y"),
            "duplicate key 'y' (first at line 4, column 3); the last value is used",
        )
    ]


def test_duplicate_key_records_the_last_place() -> None:
    result = load_config_text("a: 1\nb: 2\na: 3\n", "x.yaml")
    assert result.value.position_of("a") == Position("x.yaml", 3, 1)
    assert result.value.value_position("a") == Position("x.yaml", 3, 4)
    assert list(result.value) == ["a", "b"]


def test_aliases_share_and_may_not_enclose() -> None:
    config = load_yaml_text("a: &x {k: v}\nb: *x\n", "x.yaml")
    assert config["b"] is config["a"]
    assert config.value_position("b") == Position("x.yaml", 1, 4)  # the anchored node
    result = load_config_text("a: &x\n  b: [1, *x]\n", "x.yaml")
    assert [(where(e), e.message) for e in result.errors] == [
        (("x.yaml", 1, 4, "a.b[1]"), "an alias may not refer to a container that encloses it")
    ]
    assert result.value == {"a": {"b": [1, None]}}


def test_a_tag_naming_another_kind_is_an_error_not_a_crash() -> None:
    result = load_config_text("a: !!map [x]\n", "x.yaml")
    assert [(where(e), e.message) for e in result.errors] == [
        (("x.yaml", 1, 4, "a"), "expected a mapping, but found sequence")
    ]
    result = load_config_text("a: !!seq {k: v}\n", "x.yaml")
    assert [e.message for e in result.errors] == ["expected a sequence, but found mapping"]
    assert load_yaml_text("a: !!seq {}\nb: !!map []\n", "x.yaml") == {"a": [], "b": {}}


def test_a_file_too_large_for_the_position_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    import homeloom.scenarios._yaml_read as loader

    monkeypatch.setattr(loader, "PACK_LIMIT", 8)
    result = load_config_text("a: 1\nb: 2\n", "big.yaml")
    assert [(e.file, e.message) for e in result.errors] == [
        ("big.yaml", "the file is too large (4 GiB or more)")
    ]


# --- the event path -------------------------------------------------------------
# Plain files are built from the parser's events without composing nodes; anything
# else goes through the nodes. Both must build exactly the same values.


def _both_paths(monkeypatch: pytest.MonkeyPatch, text: str) -> tuple[Any, Any]:
    from homeloom.scenarios import _yaml_read
    from homeloom.scenarios._yaml_stream import Unusual

    def loaded() -> Any:
        result = load_config_text(text, "/config/plain.yaml", root="/config")
        issues = [str(issue) for issue in (*result.errors, *result.warnings)]
        return internals(result.value), issues

    def refuse(*args: Any) -> Any:
        raise Unusual

    with monkeypatch.context() as patch:  # libyaml's events, not the line reader
        patch.setattr(_yaml_read, "build_block", refuse)
        events = loaded()
        patch.setattr(_yaml_read, "build_plain", refuse)
        nodes = loaded()
    return events, nodes


@FUZZ
@given(tree=TREES, flow=st.booleans(), text=st.one_of(st.none(), YAMLISH))
def test_fuzz_events_and_nodes_build_the_same(
    monkeypatch: pytest.MonkeyPatch, tree: Any, flow: bool, text: str | None
) -> None:
    if text is None:
        text = yaml.safe_dump(tree, default_flow_style=flow, allow_unicode=True)
    events, nodes = _both_paths(monkeypatch, text)
    assert events == nodes


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: [x, 'y', 2024-01-02, 1.5, null, on]\nc: {d: {}}\ne: []\n",
        "- a\n- b: c\n  d: [e, {f: g}]\n",
        "x\n",
        "",
        "a: b\n...\n",
        "a: &x [1]\nb: *x\n",
        "a: &x [1]\nb: &y v\n",
        "<<: {a: 1}\nb: 2\n",
        "a: 1\na: 2\n",
        "? [a]\n: 1\n",
        "1: a\non: b\n",
        "a: !!str 1\nb: !!map {c: 1}\n",
        "a: !secret s\n",
        "a: 2024-13-40\n",
        "a: 1\n---\nb: 2\n",
        "a:\n\tb: 1\n",
        "a: [1, 2\n",
    ],
)
def test_events_and_nodes_build_the_same(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    events, nodes = _both_paths(monkeypatch, text)
    assert events == nodes


def test_plain_files_are_built_without_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    from homeloom.scenarios import _yaml_loader

    def no_nodes(*args: Any) -> Any:
        raise AssertionError("composed nodes")

    monkeypatch.setattr(_yaml_loader._Loader, "get_single_data", no_nodes)
    loaded = load_yaml_text("a:\n  - b: 1\n    c: [d, 'e']\n", "x.yaml")
    assert loaded == {"a": [{"b": 1, "c": ["d", "e"]}]}
    assert loaded["a"][0].value_position("c") == Position("x.yaml", 3, 8)


def test_a_file_table_finds_the_living_container_behind_a_reused_id() -> None:
    file_places = FilePlaces("x.yaml")
    first = YamlDict()
    file_places.add(first, [1 << 32 | 1, 2 << 32 | 3, 2 << 32 | 6], ("a",))
    del first  # its id may well be the next container's
    second = YamlDict({"b": 1})
    file_places.add(second, [5 << 32 | 1, 6 << 32 | 3, 6 << 32 | 6], ("b",))
    assert second.position == Position("x.yaml", 5, 1)
    assert second.position_of("b") == Position("x.yaml", 6, 3)
    assert second.position_of("a") is None


def test_dropped_positions_free_the_file_table_without_the_collector() -> None:
    config = load_yaml_text("a:\n  - {b: 1}\n  - [c]\n", "x.yaml")
    table = config._src
    assert isinstance(table, FilePlaces)
    refs = sys.getrefcount(table)
    drop_positions(config)
    # The four containers no longer point to it: freed by counting, not by a collection.
    assert sys.getrefcount(table) == refs - 4
