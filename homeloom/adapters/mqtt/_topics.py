"""MQTT topic names and filters: validation, and matching with ``+`` and ``#``."""

from __future__ import annotations

__all__ = ["is_wildcard", "topic_matches", "validate_topic"]


def validate_topic(topic: str, *, wildcards: bool = True) -> str:
    """``topic`` if it is a valid topic (with ``wildcards``: a valid filter), else ValueError."""
    if not topic:
        raise ValueError("a topic cannot be empty")
    if len(topic.encode()) > 65535:
        raise ValueError("a topic is at most 65535 bytes")
    if "\0" in topic:
        raise ValueError("a topic cannot contain a NUL character")
    levels = topic.split("/")
    for index, level in enumerate(levels):
        if not wildcards and ("+" in level or "#" in level):
            raise ValueError(f"{topic!r}: wildcards '+' and '#' are not allowed here")
        if "#" in level and (level != "#" or index != len(levels) - 1):
            raise ValueError(f"{topic!r}: '#' must be a whole level, and the last one")
        if "+" in level and level != "+":
            raise ValueError(f"{topic!r}: '+' must be a whole level")
    return topic


def is_wildcard(topic_filter: str) -> bool:
    return "+" in topic_filter or "#" in topic_filter


def topic_matches(topic_filter: str, topic: str) -> bool:
    """Whether ``topic`` is matched by ``topic_filter`` (MQTT 3.1.1, section 4.7)."""
    if topic_filter == topic:
        return True
    # Topics starting with '$' (broker statistics) are not matched by leading wildcards.
    if topic.startswith("$") and topic_filter[:1] in ("+", "#"):
        return False
    wanted = topic_filter.split("/")
    actual = topic.split("/")
    for index, level in enumerate(wanted):
        if level == "#":
            return True
        if index >= len(actual):
            return False
        if level != "+" and level != actual[index]:
            return False
    return len(wanted) == len(actual)
