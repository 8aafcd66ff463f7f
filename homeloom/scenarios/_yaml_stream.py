"""The loader's fast path: plain YAML built straight from the parser's events.

PyYAML composes a whole document into nodes (each with its two marks) before
anything is constructed; for a large ``automations.yaml`` that tree is several
times the size of the values built from it, and it is the peak of a house's
memory. Most files use nothing but plain mappings, sequences and scalars with
string keys written once; :func:`build_plain` builds those from the event
stream, one event alive at a time, exactly as the node path would (the same
containers, positions and shared key tuples). Anything else (a tag, an anchor
or alias, a merge or non-string or repeated key, more than one document, an
error of any kind) makes it give up with :class:`Unusual`, and the caller loads
the file through the node path, which reports what is wrong the usual way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import ScalarNode

from ._yaml_values import (
    COLUMN_BITS,
    FIRST_PLACE,
    FilePlaces,
    YamlDict,
    YamlList,
    YamlStr,
    new_str,
)

__all__ = ["Unusual", "build_plain"]

_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_TAGS = (None, "!")  # tags left to the resolver
_new_dict = dict.__new__
_new_list = list.__new__
_intern = sys.intern

Resolve = Callable[[str, tuple[bool, bool]], str]


class Unusual(Exception):
    """The file needs the node path."""


def build_plain(
    parser: Any,
    file: str,
    shapes: dict[tuple[Any, ...], tuple[Any, ...]],
    strings: dict[str, str],
    resolve: Resolve,
    scalars: dict[str, Callable[[Any, Any], Any]],
) -> Any:
    """The single document ``parser`` (a fresh PyYAML loader) reads, or None if empty.

    ``shapes`` and ``strings`` share key tuples and string values between the
    files of one load; ``resolve`` names the tag of an untagged scalar and
    ``scalars`` builds the non-string ones, as the node path does; raises
    :class:`Unusual` (or whatever the parser raised) when the file is not plain.
    """
    get = parser.get_event
    if get().__class__ is not StreamStartEvent:
        raise Unusual
    event = get()
    if event.__class__ is StreamEndEvent:
        return None
    if event.__class__ is not DocumentStartEvent:
        raise Unusual
    # Open containers, innermost last: (container, places, key awaiting its value,
    # the key's place). A sequence's key slot is None; the root's parent is a list.
    root: list[Any] = []
    stack: list[list[Any]] = []
    container: Any = root
    cells: list[int] = []
    key: Any = None
    key_at = 0
    in_map = False
    tags: dict[str, str] = {}  # plain scalars repeat (keys, states): resolved once each
    places = FilePlaces(file)
    while True:
        event = get()
        cls = event.__class__
        if cls is ScalarEvent:
            # An anchor changes nothing until an alias uses it (which gives up).
            tag = event.tag
            if tag is not None and tag != "!":
                raise Unusual
            text = event.value
            if event.implicit[0]:  # plain: its tag depends on the text alone
                tag = tags.get(text)
                if tag is None:
                    tag = tags[text] = resolve(text, event.implicit)
            else:
                tag = _STR_TAG
            mark = event.start_mark
            at = (mark.line << COLUMN_BITS | mark.column) + FIRST_PLACE
            if key is None and in_map:  # a key
                if tag != _STR_TAG:
                    raise Unusual
                key = _intern(text)
                if key in container:
                    raise Unusual
                key_at = at
                continue
            value: Any
            if tag == _STR_TAG:
                if in_map:  # plain and shared: the mapping's table holds its place
                    container[key] = strings.setdefault(text, text)
                    cells.append(key_at)
                    cells.append(at)
                    key = None
                    continue
                value = new_str(YamlStr, text)
                value._file = file
                value._at = at
            else:
                scalar = scalars.get(tag)
                if scalar is None:
                    raise Unusual
                node = ScalarNode(tag, text, mark, event.end_mark, event.style)
                value = scalar(parser, node)
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            if event.tag not in _PLAIN_TAGS:
                raise Unusual
            if in_map and key is None:  # a mapping or sequence as a key
                raise Unusual
            mark = event.start_mark
            at = (mark.line << COLUMN_BITS | mark.column) + FIRST_PLACE
            # Containers get their places when they end (see _yaml_values.FilePlaces).
            made = _new_dict(YamlDict) if cls is MappingStartEvent else _new_list(YamlList)
            if in_map:
                container[key] = made
                cells.append(key_at)
            else:
                container.append(made)
            cells.append(at)
            stack.append([container, cells, key, key_at, in_map])
            container, cells, key, in_map = made, [at], None, cls is MappingStartEvent
            continue
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            # Its own place, then its entries'; its keys are shared with its likes.
            places.add(
                container, cells, shapes.setdefault(k := tuple(container), k) if in_map else ()
            )
            container, cells, key, key_at, in_map = stack.pop()
            if not stack:
                break
            if in_map:
                key = None
            continue
        else:  # an alias, or a stray event
            raise Unusual
        if in_map:
            container[key] = value
            cells.append(key_at)
            key = None
        else:
            container.append(value)
        cells.append(at)
        if not stack:
            break
    if get().__class__ is not DocumentEndEvent or get().__class__ is not StreamEndEvent:
        raise Unusual
    return root[0]
