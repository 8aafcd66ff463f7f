"""Home Assistant's slugs of names, ASCII or not: the same rule either way."""

from __future__ import annotations

import pytest

from homeloom.scenarios._slugs import entity_id_for, entity_slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Hall Light", "hall_light"),
        ("  --Kitchen:  Lamp 2!! ", "kitchen_lamp_2"),
        ("bench a1234", "bench_a1234"),
        ("already_a_slug", "already_a_slug"),
        ("___", "unknown"),
        ("", "unknown"),
    ],
)
def test_an_ascii_name_is_lowered_and_joined_by_one_separator(name: str, slug: str) -> None:
    assert entity_slug(name) == slug


@pytest.mark.parametrize(
    ("written", "spelt"),
    [
        ("Café Lights", "Cafe Lights"),
        ("Straße Nord", "Strasse Nord"),
        ("Salle\u00a0à manger", "Salle a manger"),
        ("Grüße, Œuvre!", "Grusse, Oeuvre!"),
    ],
)
def test_a_name_with_other_letters_slugs_as_its_ascii_spelling(written: str, spelt: str) -> None:
    assert entity_slug(written) == entity_slug(spelt)


def test_every_ascii_character_is_a_letter_a_digit_or_a_separator() -> None:
    printable = "".join(chr(code) for code in range(0x20, 0x7F))
    assert (
        entity_slug(printable, "-")
        == "0123456789-abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstuvwxyz"
    )


def test_a_taken_id_is_numbered() -> None:
    assert (
        entity_id_for("automation", "Bench A1", {"automation.bench_a1"}) == "automation.bench_a1_2"
    )
