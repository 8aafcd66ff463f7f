"""An XML reply as a RESTful sensor reads it: turned into JSON first, as Home Assistant
2024.3 turns it with the ``xmltodict`` package (0.13, its defaults), so that
``value_json`` and ``json_attributes`` read it.

An element becomes ``{name: value}``: its text when it has only text (stripped of the
whitespace around it), None when empty; else an object of its attributes (``@name``),
its child elements and, when it also has text, ``#text`` (every piece of its own text,
joined, stripped). Children of the same name make a list, in document order. Names
stay as written, prefixes and all (``dc:creator``, ``@xmlns:dc``); comments,
processing instructions and entities declared in the document are dropped.

Only a reply whose media type is XML (``text/xml``, ``application/xml``,
``application/xhtml+xml``, ``application/rss+xml``) is turned, as there: an XML body
sent as ``text/plain`` stays text.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from xml.parsers import expat

__all__ = ["XML_MEDIA_TYPES", "reply_as_json", "xml_as_json"]

_LOGGER = logging.getLogger(__name__)
XML_MEDIA_TYPES = ("application/rss+xml", "application/xhtml+xml", "application/xml", "text/xml")


def reply_as_json(text: str | None, media_type: str) -> str | None:
    """The reply a sensor reads: an XML reply turned into JSON text (left as it is, with
    a warning, when it is not well-formed XML); any other as it came."""
    if text is None or not media_type.startswith(XML_MEDIA_TYPES):
        return text
    try:
        return xml_as_json(text)
    except expat.ExpatError:
        _LOGGER.warning("REST xml result could not be parsed and converted to JSON")
        return text


def xml_as_json(text: str) -> str:
    """The XML document ``text`` as compact JSON text; ExpatError when it is not
    well-formed."""
    builder = _Builder()
    parser = expat.ParserCreate("utf-8")  # the text is decoded: its own declaration is moot
    parser.ordered_attributes = True
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.text
    # A default handler keeps expat from expanding the document's own entities, and
    # external ones are never fetched: a reply cannot make the house read files.
    parser.DefaultHandler = lambda _: None
    parser.ExternalEntityRefHandler = lambda *_: 1
    parser.Parse(text.encode("utf-8"), True)
    return json.dumps(builder.item, ensure_ascii=False, separators=(",", ":"))


class _Builder:
    """Builds the value of each element as expat reads it."""

    def __init__(self) -> None:
        self.item: dict[str, Any] | None = None  # the open element's attributes and children
        self.texts: list[str] = []  # the open element's own text, in pieces
        self._open: list[tuple[dict[str, Any] | None, list[str]]] = []

    def start(self, _name: str, attributes: list[str]) -> None:
        self._open.append((self.item, self.texts))
        pairs = zip(attributes[::2], attributes[1::2], strict=True)
        self.item = {f"@{key}": value for key, value in pairs} or None
        self.texts = []

    def text(self, piece: str) -> None:
        self.texts.append(piece)

    def end(self, name: str) -> None:
        own_text = "".join(self.texts).strip() or None
        value: Any = self.item
        if value is None:
            value = own_text
        elif own_text is not None:
            _add(value, "#text", own_text)
        self.item, self.texts = self._open.pop()
        if self.item is None:
            self.item = {}
        _add(self.item, name, value)


def _add(item: dict[str, Any], key: str, value: Any) -> None:
    """``value`` under ``key``; a second one for the same key makes a list."""
    if key not in item:
        item[key] = value
    elif isinstance(item[key], list):
        item[key].append(value)
    else:
        item[key] = [item[key], value]
