"""`slugify` of something that is not text fails the render, as in Home Assistant 2024.3,
whose slug library decodes anything else as bytes (found by random differential testing)."""

from __future__ import annotations

import pytest

from homeloom.orchestrator import Runtime, TestClock
from homeloom.scenarios import TemplateError, get_template_engine


def _render(source: str) -> object:
    return get_template_engine(Runtime(clock=TestClock())).template(source).render({})


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ 'Living Room Lamp' | slugify }}", "living_room_lamp"),
        ("{{ 'Salle de bain 2' | slugify('-') }}", "salle-de-bain-2"),
        ("{{ none | slugify }}", ""),
        ("{{ '' | slugify }}", ""),
        ("{{ 'zone_' ~ (5 | string | slugify) }}", "zone_5"),
    ],
)
def test_slugify_of_text(source: str, expected: str) -> None:
    assert _render(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "{{ now().isoweekday() | slugify }}",
        "{{ true | slugify }}",
        "{{ timedelta(minutes=95) | slugify }}",
        "{{ (now() - timedelta(days=1)).date() | slugify }}",
    ],
)
def test_slugify_of_other_values_fails(source: str) -> None:
    with pytest.raises(TemplateError, match="need a bytes-like object"):
        _render(source)
