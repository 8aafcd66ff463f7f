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


def _spelt(letters: str, spellings: str) -> dict[str, str]:
    """Each of ``letters`` with its spelling, in order, from the space-separated ``spellings``."""
    return dict(zip(letters, spellings.split(), strict=True))


# Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Bulgarian) and Greek letters, spelt
# as Home Assistant's slugs spell them. Keyed by the small letter left once decomposed:
# й, ё, ї, ў and Greek letters with accents lose their marks before they are looked up.
_SMALL_LETTER_SPELLING = {
    **_spelt(
        "абвгдежзиклмнопрстуфхцчшщыэюя",
        "a b v g d e zh z i k l m n o p r s t u f kh ts ch sh shch y e iu ia",
    ),
    **_spelt("єіґђјљњћџ", "ie i g dj j lj nj tsh dzh"),
    **_spelt(
        "αβγδεζηθικλμνξοπρσςτυφχψω",
        "a b g d e z e th i k l m n x o p r s s t u ph kh ps o",
    ),
    # The hard and soft signs are dropped, not made separators.
    "ъ": "",
    "ь": "",
}
_CYRILLIC_GREEK_SPELLING = str.maketrans(
    {
        **_SMALL_LETTER_SPELLING,
        **{small.upper(): spelling for small, spelling in _SMALL_LETTER_SPELLING.items()},
        # Two capitals Home Assistant spells otherwise than their small letters.
        "Є": "e",
        "Ξ": "ks",
    }
)
# Unicode categories left out of a slug rather than made a separator: accents once
# decomposed, and emoji and other symbols.
_LEFT_OUT = frozenset(("Mn", "So"))
_NOT_IN_SLUG = re.compile(r"[^a-z0-9]+")


def entity_slug(name: str, separator: str = "_") -> str:
    """Home Assistant's slug of ``name``, the object id it makes of a name and its
    ``slugify`` filter: accents, emoji and apostrophes dropped, Latin letters spelt in
    ASCII, Cyrillic and Greek letters spelt in Latin ones, anything else between letters
    and digits one ``separator``; ``unknown`` when nothing is left. Letters of other
    scripts (Chinese, Japanese, Arabic, Hebrew...) count as separators, where Home
    Assistant spells them in Latin letters too."""
    if name.isascii():  # most names: decomposing and spelling leave ASCII as it is
        ascii_name = name.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", name).translate(_CYRILLIC_GREEK_SPELLING)
        folded = decomposed.lower().translate(_ASCII_SPELLING)
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
