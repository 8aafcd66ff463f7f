"""The line reader for block-style YAML builds exactly what libyaml's events build.

``build_block`` reads a subset of YAML line by line and gives up on anything else;
whatever it accepts must load to the same values, positions, shared key tuples and
issues as the libyaml path, and whatever libyaml refuses it must refuse too.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeloom.scenarios import _yaml_loader, _yaml_read
from homeloom.scenarios._yaml import load_config_text
from homeloom.scenarios._yaml_block import build_block
from homeloom.scenarios._yaml_stream import Unusual
from tests.scenarios.yaml_places import internals

FUZZ = settings(
    max_examples=300,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _load(text: str) -> tuple[Any, list[str]]:
    result = load_config_text(text, "/config/block.yaml", root="/config")
    issues = [str(issue) for issue in (*result.errors, *result.warnings)]
    return internals(result.value), issues


def _accepts(text: str) -> bool:
    try:
        build_block(text, "block.yaml", {}, {}, _yaml_loader._resolve_scalar, _yaml_loader._SCALARS)
    except Unusual:
        return False
    return True


def _same_as_libyaml(monkeypatch: pytest.MonkeyPatch, text: str) -> bool:
    """Assert that loading ``text`` gives the same with and without the line reader;
    returns whether the line reader took it."""
    accepted = _accepts(text)
    lines = _load(text)
    with monkeypatch.context() as patch:

        def refuse(*args: Any) -> Any:
            raise Unusual

        patch.setattr(_yaml_read, "build_block", refuse)
        events = _load(text)
    assert lines == events, text
    if accepted:  # what libyaml refuses, the line reader must refuse too
        assert not events[1], text
    return accepted


CASES = [
    "",
    "\n\n# only a comment\n",
    "a: 1\n",
    "a: b\nc: d\n",
    "a:\n  b: 1\n  c:\n    d: e\nf: g\n",
    "- a\n- b\n- 3\n",
    "- a: 1\n  b: 2\n- c: 3\n",
    "-   a: 1\n    b: 2\n",
    "a:\n- x\n- y\nb: 1\n",
    "a:\n  - x\n  - y\nb: 1\n",
    "- a:\n  - x\n  b: 1\n",
    "a:\nb:\n",
    "a:   # comment\nb: 1   # another\n",
    "a: b#c\nd: 'e' # f\n",
    "-\n- a\n-\n",
    "-\n  a: 1\n",
    "-\n  - a\n",
    "a: ''\nb: 'it''s'\nc: \"x y\"\nd: ' lead'\n",
    "'a b': 1\n\"c\": 2\n",
    "a: []\nb: {}\nc:\n- []\n- {}\n",
    "a: 1.5\nb: -2\nc: 0x1f\nd: null\ne: ~\nf: true\ng: on\nh: 2024-01-02\n",
    "a: 2024-01-02 10:20:30\nb: 1_000\nc: .inf\nd: .nan\ne: 1e3\n",
    "a: x: y\n",
    "a: b:\n",
    "a: - b\n",
    "a:b\n",
    "a\n",
    "x\n",
    "a: 1\n b: 2\n",
    "a:\n  b: 1\n c: 2\n",
    "a: 1\n- b\n",
    "- a\nb: 1\n",
    "a: b\n  c\n",
    "a: b\n  # comment\nc: d\n",
    "a:\n  b\n",
    "  a: 1\n  b: 2\n",
    "  a: 1\nb: 2\n",
    "a: 1\na: 2\n",
    "on: 1\n",
    "1: a\n",
    "<<: {a: 1}\n",
    "a: !secret s\n",
    "a: &x 1\nb: *x\n",
    "a: [1, 2]\n",
    "a: {b: 1}\n",
    "a: |\n  text\n",
    "a: >\n  text\n",
    "a: 'multi\n  line'\n",
    'a: "esc\\n"\n',
    "a: 1\n---\nb: 2\n",
    "---\na: 1\n",
    "a: 1\n...\n",
    "%YAML 1.1\n---\na: 1\n",
    "a:\n\tb: 1\n",
    "a: 1\r\nb: 2\r\n",
    "a: 2024-13-40\n",
    "? a\n: 1\n",
    "a : 1\nb  :   2\nc:\n",
    "a :b: c\n",
    "a: -\n",
    "a: -x\nb: ?y\nc: :z\n",
    "a: x  y\nb: x #y\n",
    "é: ü\nclé: 'çà'\n- x\n",
    "é: ü\nclé: 'çà'\n",
    "a: \u00a0b\n",
    "a:\u00a0b\n",
    "a: b\u00a0\n",
    "- - a\n",
    "a: 'x'y\n",
    "a: 'x' y\n",
    'a: "x"#y\n',
    "a: [] # c\nb: {}x\n",
    "#a: 1\nb: 2\n",
    "a: 1 #\n",
    "a: b # c: d\n",
    "a: @x\n",
    "a: `x\n",
    "a: %x\n",
    "a: http://example.com:8123/x?y=1#z\n",
    'a: \'{{ states("x") }}\'\nb: "{{ y }}"\n',
    "a: {{ y }}\n",
    "- a\n  - b\n",
    "a:\n  - b\n  c: 1\n",
    "a:\n    - b\n    - c\n  d: 1\n",
    "a:\n  -\n    b: 1\n",
    "a: 1\n\n\n\nb: 2",
    "a: 1",
    "a:",
    "-",
    "- ",
    "a: x\n" * 3,
    "k" * 1100 + ": 1\n",
    "k" * 1000 + " " * 16 + ": 1\n",
    "k" * 1000 + " " * 30 + ": 1\n",
    "k" * 1023 + ": 1\n",
    "a: " + "v" * 2000 + "\n",
]


@pytest.mark.parametrize("text", CASES)
def test_the_line_reader_builds_what_libyaml_builds(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    _same_as_libyaml(monkeypatch, text)


def test_plain_block_files_are_read_by_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "- id: a\n  alias: Hall light\n  trigger:\n  - platform: state\n"
        "    entity_id: binary_sensor.hall\n    to: 'on'\n  action:\n"
        "  - service: light.turn_on\n    target:\n      entity_id: light.hall\n"
    )
    assert _same_as_libyaml(monkeypatch, text)


# Block-style documents: PyYAML's dumps of random trees, at several indentations.
WORDS = st.text(st.characters(exclude_categories=("C", "Z")) | st.just(" "), max_size=10)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.dates(),
    WORDS,
    st.text(alphabet="ab :#-'\"\u00e9\u00a0", max_size=60),  # folded at narrow widths
    st.sampled_from(["on", "off", "yes", "~", "null", "1e3", "0x1f", "-", ":", "#", "a: b"]),
)
TREES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(WORDS, inner, max_size=4)),
    max_leaves=30,
)


@FUZZ
@given(tree=TREES, indent=st.integers(2, 5), width=st.sampled_from([20, 80, 1000]))
def test_fuzz_dumped_trees(
    monkeypatch: pytest.MonkeyPatch, tree: Any, indent: int, width: int
) -> None:
    text = yaml.safe_dump(
        tree, default_flow_style=False, allow_unicode=True, indent=indent, width=width
    )
    _same_as_libyaml(monkeypatch, text)


# Lines assembled from YAML's pieces, to find what the reader accepts and libyaml not.
PIECES = st.sampled_from(
    [
        *"ab:-'\"#[]{}!&*?|>%@` \n",
        ": ",
        "- ",
        "\n  ",
        "\n- ",
        "  ",
        " #",
        "on",
        "1",
        "x: y",
        "''",
        "[]",
        "{}",
    ]
)
LINES = st.lists(PIECES, max_size=40).map("".join)


@FUZZ
@given(text=LINES)
def test_fuzz_line_pieces(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    _same_as_libyaml(monkeypatch, text)


@pytest.mark.parametrize("chunk", [0, 1, 3, 8])
def test_lines_are_matched_a_chunk_at_a_time(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    from homeloom.scenarios import _yaml_block

    monkeypatch.setattr(_yaml_block, "_CHUNK", chunk)
    for text in CASES:
        _same_as_libyaml(monkeypatch, text)


@pytest.mark.parametrize("known", [1, 2, 5])
def test_lines_seen_are_remembered_within_a_bound(
    monkeypatch: pytest.MonkeyPatch, known: int
) -> None:
    # Repeated lines are taken from the reader's memory of lines seen, which it
    # forgets when full: what is built must not depend on either.
    from homeloom.scenarios import _yaml_block

    monkeypatch.setattr(_yaml_block, "_KNOWN_LINES", known)
    for text in [*CASES, "- a: 1\n  b: x\n- a: 1\n  b: y\n- a: 1\n  b: x\n"]:
        _same_as_libyaml(monkeypatch, text)
