"""``version()``: version text that compares as Home Assistant's (AwesomeVersion) does.

``version('2024.3.1') > '2024.2'`` is true; ``1.0.0b2 < 1.0.0`` (a modifier comes
before its release); ``v1.2`` equals ``1.2``. The value is text (it renders as
written) with ``major``, ``minor``, ``patch``, ``modifier``... as there. Comparing
a version no scheme reads (``'abc'``) fails the render, as there.
"""

from __future__ import annotations

import re
from typing import Any

from ._template_defaults import TemplateValueError

__all__ = ["TemplateVersion", "version"]

_BUILD, _CALVER, _HEX, _SEMVER = "BuildVer", "CalVer", "HexVer", "SemVer"
_CONTAINER, _SIMPLE, _PEP440, _UNKNOWN = "SpecialContainer", "SimpleVer", "PEP 440", "unknown"
_SEMVER_TEXT = (
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
_SIMPLE_TEXT = r"[v|V]?((\d+)(\.\d+)+)"
# The schemes in the order they are tried: the first whose pattern matches is the one.
_SCHEMES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(f"^{pattern}$"))
    for name, pattern in (
        (_BUILD, r"\d+"),
        (_CALVER, r"(\d{2}|\d{4})\.\d{1,2}?(\.?\d{1,2}?\.?)?(\.\d)?(\d*(\w+\d+)?)"),
        (_HEX, r"0x[A-Fa-f0-9]+"),
        (_SEMVER, _SEMVER_TEXT),
        (_CONTAINER, r"(latest|dev|stable|beta)"),
        (_SIMPLE, _SIMPLE_TEXT),
        (
            _PEP440,
            r"([1-9][0-9]*!)?(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*((a|b|rc)(0|[1-9][0-9]*))?"
            r"(\.post(0|[1-9][0-9]*))?(\.dev(0|[1-9][0-9]*))?(\.rc(0|[1-9][0-9]*))?",
        ),
    )
)
_SEMVER_PATTERN = re.compile(f"^{_SEMVER_TEXT}$")
_SIMPLE_PATTERN = re.compile(f"^{_SIMPLE_TEXT}$")
_DIGITS = re.compile(r"[a-z]*(\d+)[a-z]*")
_MODIFIER = re.compile(r"^((?:\d+\-|\d|))(([a-z]+)\.?(\d*))$")
_SINGLE_DIGIT = re.compile(r"^\d$")
_CONTAINER_RANK = {"stable": 1, "beta": 2, "latest": 3, "dev": 4}
_SEMVER_MODIFIER_RANK = {"dev": 0, "alpha": 1, "beta": 2, "rc": 3}
_MODIFIER_RANK = {"rc": 3, "beta": 2, "b": 2, "alpha": 1, "a": 1, "dev": 0, "d": 0}


class TemplateVersion(str):
    """A version as text; compare it with another, or with text or a number."""

    __slots__ = ()

    @property
    def _text(self) -> str:
        text = str.__str__(self).strip()
        return text[:-1] if text.endswith(".") else text

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"<version {self.string!r}>"

    @property
    def prefix(self) -> str | None:
        return next((p for p in ("v", "V", "v.", "V.") if self._text.startswith(p)), None)

    @property
    def string(self) -> str:
        """The version without its ``v`` prefix."""
        return self._text[len(self.prefix or "") :]

    @property
    def scheme(self) -> str:
        text = self.string
        for name, pattern in _SCHEMES:
            if pattern.match(text) and (name != _HEX or _is_hex(text)):
                return name
        return _UNKNOWN

    @property
    def valid(self) -> bool:
        return self.scheme != _UNKNOWN

    @property
    def simple(self) -> bool:
        return _SIMPLE_PATTERN.match(self.string) is not None

    @property
    def modifier(self) -> str | None:
        scheme = self.scheme
        if scheme in (_CONTAINER, _HEX):
            return None
        if scheme == _SEMVER:
            semver = _SEMVER_PATTERN.match(self.string)
            found = semver.group(4) if semver else None
            if not found:
                return None
            modifier = _MODIFIER.match(found)
            return modifier.group(2) if modifier else found
        modifier = _MODIFIER.match(self.string.split(".")[-1])
        return modifier.group(2) if modifier else None

    @property
    def modifier_type(self) -> str | None:
        if self.scheme == _HEX:
            return None
        found = _MODIFIER.match(self.modifier or "")
        return found.group(3) if found else None

    @property
    def sections(self) -> int:
        if self.scheme == _SEMVER:
            return 3
        modifier = self.modifier
        return sum(1 for part in self.string.split(".") if part and part != modifier)

    def section(self, index: int) -> int:
        """The number of part ``index`` (0 for the major part); 0 when there is none."""
        if self.scheme == _HEX:
            return int(self.string, 16) if index == 0 else 0
        if self.sections >= index + 1:
            found = _DIGITS.match(self.string.split(".")[index] or "")
            if found:
                return int(found.group(1) or 0)
        return 0

    def _part(self, index: int, schemes: tuple[str, ...]) -> TemplateVersion | None:
        if self.scheme not in schemes or (index > 0 and self.sections < index + 1):
            return None
        return TemplateVersion(self.section(index))

    @property
    def major(self) -> TemplateVersion | None:
        return self._part(0, (_SEMVER, _BUILD, _CALVER, _SIMPLE, _PEP440))

    @property
    def minor(self) -> TemplateVersion | None:
        return self._part(1, (_SEMVER, _CALVER, _SIMPLE, _PEP440))

    @property
    def patch(self) -> TemplateVersion | None:
        return self._part(2, (_SEMVER, _CALVER, _SIMPLE, _PEP440))

    micro = patch
    year = major

    @property
    def alpha(self) -> bool:
        return "a" in self.modifier if self.modifier else False

    @property
    def beta(self) -> bool:
        return "b" in self.modifier if self.modifier else "beta" in self.string

    @property
    def dev(self) -> bool:
        return "d" in self.modifier if self.modifier else "dev" in self.string

    @property
    def release_candidate(self) -> bool:
        return "rc" in self.modifier if self.modifier else "rc" in self.string

    def in_range(self, lowest: Any, highest: Any) -> bool:
        return bool(self >= lowest and self <= highest)

    # --- comparisons ---------------------------------------------------------------

    def __hash__(self) -> int:
        return hash(self.string)

    def __eq__(self, other: object) -> bool:
        return self.string == _as_version(other).string

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __gt__(self, other: object) -> bool:
        other = _as_version(other)
        return self.string != other.string and _is_newer(_comparable(self, other), other)

    def __lt__(self, other: object) -> bool:
        other = _as_version(other)
        return self.string != other.string and _is_newer(_comparable(other, self), self)

    def __ge__(self, other: object) -> bool:
        return self.__eq__(other) or self.__gt__(other)

    def __le__(self, other: object) -> bool:
        return self.__eq__(other) or self.__lt__(other)


def version(value: Any) -> TemplateVersion:
    return TemplateVersion(value)


def _is_hex(text: str) -> bool:
    try:
        int(text, 16)
    except ValueError:
        return False
    return True


def _as_version(value: object) -> TemplateVersion:
    if isinstance(value, TemplateVersion):
        return value
    if isinstance(value, str | int | float):
        return TemplateVersion(value)
    raise TemplateValueError(f"cannot compare a version with {type(value).__name__}")


def _comparable(first: TemplateVersion, second: TemplateVersion) -> TemplateVersion:
    """``first``, once both are versions a scheme reads."""
    if _UNKNOWN in (first.scheme, second.scheme):
        raise TemplateValueError(f"cannot compare versions {first.string!r} and {second.string!r}")
    return first


def _is_newer(first: TemplateVersion, second: TemplateVersion) -> bool:
    """Whether ``first`` comes after ``second``: the first rule that decides, in
    AwesomeVersion's order (container tags, plain numbers, parts then modifiers,
    semantic versions' pre-releases); False when none does."""
    for rule in (_by_container_tag, _by_simple_parts, _by_parts_then_modifier, _by_semver_tag):
        decided = rule(first, second)
        if decided is not None:
            return decided
    return False


def _by_container_tag(first: TemplateVersion, second: TemplateVersion) -> bool | None:
    if first.scheme == _CONTAINER:
        if second.scheme != _CONTAINER:
            return True
        return _CONTAINER_RANK[first.string] > _CONTAINER_RANK[second.string]
    return False if second.scheme == _CONTAINER else None


def _by_simple_parts(first: TemplateVersion, second: TemplateVersion) -> bool | None:
    return _by_parts(first, second) if first.simple and second.simple else None


def _by_parts(first: TemplateVersion, second: TemplateVersion) -> bool | None:
    for index in range(max(first.sections, second.sections)):
        mine, theirs = first.section(index), second.section(index)
        if mine != theirs:
            return mine > theirs
    return None


def _by_parts_then_modifier(first: TemplateVersion, second: TemplateVersion) -> bool | None:
    decided = _by_parts(first, second)
    if decided is not None:
        return decided
    mine, theirs = first.modifier, second.modifier
    if mine is None:
        return True if theirs is not None else None
    if theirs is None:
        return None
    mine_match = _MODIFIER.match(first.string.split(".")[-1])
    theirs_match = _MODIFIER.match(second.string.split(".")[-1])
    if mine_match and theirs_match:
        if mine_match.group(3) == theirs_match.group(3):
            return int(mine_match.group(4) or 0) > int(theirs_match.group(4) or 0)
        mine_rank = _MODIFIER_RANK.get(mine_match.group(3))
        theirs_rank = _MODIFIER_RANK.get(theirs_match.group(3))
        if mine_rank is not None and theirs_rank is not None:
            return mine_rank > theirs_rank
        return False  # AwesomeVersion compares the first's kind with itself here
    if _SINGLE_DIGIT.match(mine) and _SINGLE_DIGIT.match(theirs):
        return int(mine) > int(theirs)
    return None


def _semver_tag_number(value: TemplateVersion) -> str | None:
    semver = _SEMVER_PATTERN.match(value.string)
    found = _MODIFIER.match(semver.group(4) or "") if semver else None
    return found.group(4) if found else None


def _by_semver_tag(first: TemplateVersion, second: TemplateVersion) -> bool | None:
    if _SEMVER not in (first.scheme, second.scheme):
        return None
    mine, theirs = first.modifier_type, second.modifier_type
    if mine is None or theirs is None:
        return None
    if mine != theirs:
        mine_rank, theirs_rank = _SEMVER_MODIFIER_RANK.get(mine), _SEMVER_MODIFIER_RANK.get(theirs)
        if mine_rank is not None and theirs_rank is not None:
            return mine_rank > theirs_rank
    mine_number, theirs_number = _semver_tag_number(first), _semver_tag_number(second)
    if not mine_number or not theirs_number:
        return True
    return int(mine_number) > int(theirs_number)
