"""The loader's fastest path: block-style YAML read line by line, without libyaml.

Nearly every configuration file is written in block style, one key or item per
line, as Home Assistant's editor and ``yaml.safe_dump`` write them. libyaml
makes three Python objects (an event and its two marks) for every scalar and
container, which costs more than building the values themselves; for such
files :func:`build_block` matches each line with one regular expression and
builds exactly what :func:`~._yaml_stream.build_plain` would build from the
events: the same containers, positions, shared key tuples and shared strings.

It reads only an unambiguous subset of YAML: block mappings and sequences,
single-line plain and quoted scalars (double-quoted ones without escapes),
empty ``[]`` and ``{}``, comments. Anything else (a tag, an anchor or alias, a
flow collection, a block or multi-line scalar, a tab, a document marker, a key
that is not a string or is repeated, an indentation it does not expect) makes
it give up with :class:`~._yaml_stream.Unusual` before returning anything, and
the caller reads the file through libyaml as before, which builds the value or
reports what is wrong with the parser's own positions and wording.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

from ._yaml_stream import Resolve, Unusual
from ._yaml_values import (
    COLUMN_BITS,
    FIRST_PLACE,
    FilePlaces,
    YamlDict,
    YamlList,
    YamlStr,
    new_str,
)

__all__ = ["build_block"]

_STR_TAG = "tag:yaml.org,2002:str"
_new_dict = dict.__new__
_new_list = list.__new__
_intern = sys.intern

# Characters this reader leaves to libyaml wherever they are: tabs (indentation
# errors), line breaks other than \n, and whatever the YAML reader refuses; also a
# byte order mark (libyaml's handling of one inside a stream is its own business).
# In ASCII text those are the control characters but \n: deleting the characters
# that are fine from its bytes is several times faster than searching for the others.
_FINE_ASCII = b"\n" + bytes(range(0x20, 0x7F))
_ODD = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
# Document markers and directives change how the stream is read, at the start of a
# line: the first, or one after a line break (a pattern that starts with a literal
# character is searched much faster than one that starts with ^ in MULTILINE mode).
_MARKER = r"(?:(?:---|\.\.\.)(?: |\n|$)|%)"
_FIRST_MARKER = re.compile(_MARKER)
_LATER_MARKER = re.compile("\n" + _MARKER)

# A single-line plain scalar in block context, as libyaml scans it: it may not start
# with an indicator (except "-", "?" and ":" followed by a non-space); it ends before
# ": ", before " #", before a ":" that ends the line, and before trailing spaces. Only
# spaces are blanks here (tabs never reach the pattern): \s would take U+00A0 too.
# Possessive repeats: a line is scanned once, never backtracked into.
_PLAIN = (
    r"(?:[^ \n\-?:,\[\]{}#&*!|>'\"%@`]|[-?:](?=[^ \n]))"
    r"(?:[^ \n:#]++|:(?=[^ \n])|#| ++(?=[^ \n#:]|:[^ \n]))*+"
)
_SINGLE = r"'(?:[^'\n]++|'')*+'"
_DOUBLE = r'"[^"\\\n]*+"'  # escapes are left to libyaml
# Every line: its indentation, a sequence entry's dash, a key and the colon after
# it with the blanks that follow, a value, and a comment. What a line means is
# decided by build_block; a line that does not match makes the count of lines wrong.
_LINE = re.compile(
    r"^( *+)"  # indentation
    r"(- +|-$)?"  # "- " starting a sequence item
    rf"(?:({_PLAIN}|{_SINGLE}|{_DOUBLE})( {{0,16}}:(?: +|$)))?"  # a key; its colon and blanks
    rf"({_PLAIN}|{_SINGLE}|{_DOUBLE}|\[\]|\{{\}})?"  # a value on the line
    r" *(?:(?<![^ \n])#.*)?$",  # a comment needs a blank (or the line's start) before it
    re.MULTILINE,
)
_CHUNK = 1 << 16  # characters matched at once, at least
_LINE_STEP = 1 << COLUMN_BITS  # from a line's place to the next one's
# libyaml refuses a simple key whose colon is 1024 characters or more past its start;
# such a file is left to it (the blanks before a colon are at most 16, above).
_MAX_KEY = 1000
# Distinct lines remembered at once while reading a file (see _rows).
_KNOWN_LINES = 1 << 14


def build_block(
    text: str,
    file: str,
    shapes: dict[tuple[Any, ...], tuple[Any, ...]],
    strings: dict[str, str],
    resolve: Resolve,
    scalars: dict[str, Callable[[Any, Any], Any]],
) -> Any:
    """The value of the block-style document ``text``, or None if it holds none.

    The arguments are :func:`~._yaml_stream.build_plain`'s; raises
    :class:`~._yaml_stream.Unusual` for anything outside the subset described above.
    """
    if text.isascii():
        if text.encode("ascii").translate(None, _FINE_ASCII):
            raise Unusual
    elif _ODD.search(text):
        raise Unusual
    if _FIRST_MARKER.match(text) or _LATER_MARKER.search(text):
        raise Unusual
    places = FilePlaces(file)
    read = _Scalars(places, strings, resolve, scalars)
    # Values repeat (states, services, numbers): each text's value is worked out once
    # per file; this cache holds only immutable values.
    values = read.known
    # A closed container's places go straight into its file's tables (what
    # FilePlaces.add does, without a call per container).
    ids, starts, table, loaded_keys = places.tables()
    add_id, add_start, add_keys = ids.append, starts.append, loaded_keys.append
    add_cells = table.fromlist  # from a list: twice as fast as extend
    line_step = _LINE_STEP
    root: list[Any] = []
    # Open containers outside the current one: (container, cells, indent, in_map).
    stack: list[tuple[Any, list[int], int, bool]] = []
    container: Any = root
    cells: list[int] = []
    indent = -1  # the column of the current container's keys or dashes
    in_map = False
    # A "key:" or "-" ending its line waits for the next line to say what its value
    # is: a nested container, or null placed just after the colon or dash.
    pending = False
    pending_key: Any = None
    pending_key_at = 0
    pending_empty_at = 0
    start = FIRST_PLACE - line_step  # the place of the line's first column
    for column, dash, key, value_from, empty_from, value_text in _rows(text, resolve):
        start += line_step
        if key is None and not dash:
            if value_text:
                raise Unusual  # a scalar alone on its line: multi-line, or a document of one
            continue  # blank, or a comment
        if pending or not stack:
            # A deeper line, or a dash under its key ("key:\n- item"), is the awaited
            # value; the document's first line opens its root.
            made: Any = None
            if not stack or column > indent or (column == indent and in_map and dash):
                made = _new_list(YamlList) if dash else _new_dict(YamlDict)
            if in_map:
                container[pending_key] = made
                cells.append(pending_key_at)
            else:
                container.append(made)
            pending = False
            if made is None:
                cells.append(pending_empty_at)  # null, placed after its colon or dash
            else:
                cells.append(start + column)
                stack.append((container, cells, indent, in_map))
                container, cells, indent, in_map = made, [start + column], column, not dash
        if column != indent or in_map is (dash != 0):
            # Close what this line's indentation ends: deeper containers, and a
            # sequence written at its mapping's own indentation ("key:\n- item").
            while column < indent or (column == indent and not in_map and not dash):
                # Closed: its places are recorded, its keys shared with its likes.
                add_start(len(table))
                add_cells(cells)
                add_keys(shapes.setdefault(k := tuple(container), k) if in_map else ())
                add_id(id(container))
                container._src = places
                container, cells, indent, in_map = stack.pop()
                if not stack:  # the root is closed, yet the line holds more
                    raise Unusual
            if column != indent or in_map is (dash != 0):
                raise Unusual
        if dash:
            item_at = start + column + dash
            if key is not None:  # "- key: ...": a mapping opens inside the item
                made = _new_dict(YamlDict)
                container.append(made)
                cells.append(item_at)
                stack.append((container, cells, indent, in_map))
                container, cells, indent, in_map = made, [item_at], column + dash, True
            elif value_text:
                value = values.get(value_text)
                if value is None:
                    value = read.value(value_text, item_at)
                if type(value) is str:  # an item keeps its own place
                    value = new_str(YamlStr, value)
                    value._file = file
                    value._at = item_at
                container.append(value)
                cells.append(item_at)
                continue
            else:
                pending = True
                pending_empty_at = item_at - dash + 1  # just after the dash
                continue
        # A mapping entry, in the current mapping.
        if key in container:
            raise Unusual
        key_at = start + indent
        if not value_text:
            pending = True
            pending_key = key
            pending_key_at = key_at
            pending_empty_at = key_at + empty_from
            continue
        value_at = key_at + value_from
        value = values.get(value_text)
        if value is None:
            value = read.value(value_text, value_at)
        container[key] = value
        cells.append(key_at)
        cells.append(value_at)
    if pending:
        if in_map:
            container[pending_key] = None
            cells.append(pending_key_at)
        else:
            container.append(None)
        cells.append(pending_empty_at)
    add = places.add
    while stack:
        add(container, cells, shapes.setdefault(k := tuple(container), k) if in_map else ())
        container, cells, indent, in_map = stack.pop()
    return root[0] if root else None


# A line: (column, dash, key, value_from, empty_from, value_text). ``dash`` is the
# width of a sequence item's "- " (0 for none); ``key`` the mapping key, None for
# none; ``value_from`` how far past the key's start its value starts, ``empty_from``
# where a null written as nothing is placed; ``value_text`` the value's text or "".
_Row = tuple[int, int, Any, int, int, str]


def _rows(text: str, resolve: Resolve) -> Iterator[_Row]:
    """What each line of ``text`` holds (see _Row), or Unusual at the first line
    outside the subset.

    Lines repeat in configuration files (structural keys, common values, the same
    indentation): each distinct line is matched and taken apart once. Lines are split
    a chunk at a time and the distinct ones kept only up to a bound: the rows of a
    whole large file at once would weigh several times the values built from them.
    """
    match = _LINE.match
    known: dict[str, _Row] = {}
    keys: dict[str, str] = {}  # a key's text -> the key, shared by the lines holding it
    begin, size = 0, len(text)
    while True:
        end = text.find("\n", begin + _CHUNK)
        if end < 0:
            end = size
        for line in text[begin:end].split("\n"):
            row = known.get(line)
            if row is None:
                found = match(line)
                if found is None:
                    raise Unusual
                spaces, dash, key_text, colon, value_text = found.groups("")
                key = None
                if key_text:
                    key = keys.get(key_text)
                    if key is None:
                        key = keys[key_text] = _key(key_text, resolve)
                if len(known) >= _KNOWN_LINES:
                    known.clear()
                row = known[line] = (
                    len(spaces),
                    len(dash),
                    key,
                    len(key_text) + len(colon),
                    len(key_text) + len(colon.rstrip(" ")),
                    value_text,
                )
            yield row
        if end == size:
            return
        begin = end + 1


def _key(text: str, resolve: Resolve) -> str:
    """A mapping key's text as the key, interned; only string keys are this subset's."""
    if len(text) > _MAX_KEY:
        raise Unusual
    if text[0] == "'" or text[0] == '"':
        return _intern(_unquote(text))
    if resolve(text, (True, False)) != _STR_TAG:
        raise Unusual
    return _intern(text)


def _unquote(text: str) -> str:
    if text[0] == "'":
        return text[1:-1].replace("''", "'")
    return text[1:-1]


class _Scalars:
    """What scalars' texts stand for, in one file: strings as shared plain ``str``."""

    def __init__(
        self,
        places: FilePlaces,
        strings: dict[str, str],
        resolve: Resolve,
        scalars: dict[str, Callable[[Any, Any], Any]],
    ) -> None:
        self.places = places
        self.file = places.file
        self.strings = strings
        self.resolve = resolve
        self.scalars = scalars
        self.constructor = SafeConstructor()
        # Text -> value, for the values that are immutable and not None.
        self.known: dict[str, Any] = {}

    def value(self, text: str, at: int) -> Any:
        """The value of the scalar ``text`` found at ``at``; remembered if it can be."""
        first = text[0]
        if first == "[" and text == "[]":
            made: YamlList | YamlDict = _new_list(YamlList)
            self.places.add(made, [at], ())
            return made
        if first == "{" and text == "{}":
            made = _new_dict(YamlDict)
            self.places.add(made, [at], ())
            return made
        value: Any
        if first == "'" or first == '"':
            value = _unquote(text)
        else:
            tag = self.resolve(text, (True, False))
            if tag == _STR_TAG:
                value = text
            else:
                build = self.scalars.get(tag)
                if build is None:
                    raise Unusual
                try:
                    value = build(self.constructor, ScalarNode(tag, text))
                except Exception:  # e.g. a date that does not exist: libyaml's path says so
                    raise Unusual from None
        if type(value) is str:
            value = self.strings.setdefault(value, value)
        if value is not None:
            self.known[text] = value
        return value
