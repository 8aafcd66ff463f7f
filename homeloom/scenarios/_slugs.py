"""Home Assistant's slugs: the object ids it makes of names, and its ``slugify`` filter."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

__all__ = ["MAX_ENTITY_ID_LENGTH", "entity_id_for", "entity_slug"]

# The longest entity id Home Assistant makes; a longer one is cut.
MAX_ENTITY_ID_LENGTH = 255

# Letters and signs that Unicode decomposition leaves alone, spelt as Home Assistant's
# slugs spell them.
_ASCII_SPELLING = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "\N{LATIN SMALL LETTER DOTLESS I}": "i",
        "ħ": "h",
        "ŧ": "t",
        "ŋ": "ng",
        "°": "deg",
        "€": "eur",
        "\N{LEFT SINGLE QUOTATION MARK}": "",
        "\N{RIGHT SINGLE QUOTATION MARK}": "",
    }
)
# Unicode categories left out of a slug rather than made a separator: accents once
# decomposed, and emoji and other symbols.
_LEFT_OUT = frozenset(("Mn", "So"))
_NOT_IN_SLUG = re.compile(r"[^a-z0-9]+")


def entity_slug(name: str, separator: str = "_") -> str:
    """Home Assistant's slug of ``name``, the object id it makes of a name and its
    ``slugify`` filter: accents, emoji and apostrophes dropped, Latin letters spelt in
    ASCII, anything else between letters and digits one ``separator``; ``unknown`` when
    nothing is left. Letters of other scripts count as separators (Home Assistant
    transliterates them)."""
    folded = unicodedata.normalize("NFKD", name).lower().translate(_ASCII_SPELLING)
    ascii_name = "".join(
        char
        if char.isascii()
        else ""
        if unicodedata.category(char) in _LEFT_OUT
        else " "  # punctuation, spaces, letters of other scripts
        for char in folded
    )
    return _NOT_IN_SLUG.sub(separator, ascii_name).strip(separator) or "unknown"


def entity_id_for(domain: str, name: str, taken: Container[str]) -> str:
    """``<domain>.<slug of name>``, numbered ``_2``, ``_3``... when already taken, cut to
    Home Assistant's longest entity id: as Home Assistant names an entity from its name."""
    preferred = f"{domain}.{entity_slug(name)}"
    entity_id = preferred[:MAX_ENTITY_ID_LENGTH]
    number = 2
    while entity_id in taken:
        suffix = f"_{number}"
        entity_id = preferred[: MAX_ENTITY_ID_LENGTH - len(suffix)] + suffix
        number += 1
    return entity_id
