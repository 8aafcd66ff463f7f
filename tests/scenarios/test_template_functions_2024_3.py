"""The 2024.3 template names where the oracle cannot show them: version rules taken
from Home Assistant's AwesomeVersion, Vincenty distances, warnings, the sandbox."""

from __future__ import annotations

import logging

import pytest

from homeloom.orchestrator import HouseSettings, Runtime, TestClock
from homeloom.scenarios import TemplateError, get_template_engine
from homeloom.scenarios._template_location import vincenty_km
from homeloom.scenarios._template_translations import translate_state
from homeloom.scenarios._template_version import TemplateVersion


def _render(source: str, runtime: Runtime | None = None) -> object:
    engine = get_template_engine(runtime or Runtime(clock=TestClock()))
    return engine.template(source).render({})


# (a, b, a > b, a < b, a == b), as AwesomeVersion 24.0 (Home Assistant 2024.3's) answers.
VERSION_ORDER = [
    ("2024.3.1", "2024.2", True, False, False),
    ("2024.3.0", "2024.3", False, False, False),
    ("1.0.0b2", "1.0.0", False, True, False),
    ("1.0.0-beta.2", "1.0.0-beta.10", False, True, False),
    ("1.0.0-alpha", "1.0.0-beta", False, True, False),
    ("1.0.0-rc.1", "1.0.0", False, True, False),
    ("v1.2", "1.2", False, False, True),
    ("1.2.3", "1.2.10", False, True, False),
    ("2023.12.0b1", "2023.12.0b3", False, True, False),
    ("2023.12.0.dev2", "2023.12.0b1", False, True, False),
    ("latest", "stable", True, False, False),
    ("dev", "2024.1", True, False, False),
    ("0x1A", "0x0F", True, False, False),
    ("1.0", "1.0.0", False, False, False),
    ("2.0a1", "2.0b1", False, True, False),
    ("2.0rc1", "2.0", False, True, False),
    ("1.0.post1", "1.0", False, True, False),
    ("10", "9.9", True, False, False),
    ("5.4.3.2", "5.4.3.10", False, True, False),
    ("1.0.0+build", "1.0.0", False, False, False),
    ("1.0.0-dev", "1.0.0-alpha", False, True, False),
    ("1.0.0-foo", "1.0.0-bar", False, False, False),
]


@pytest.mark.parametrize(("first", "second", "newer", "older", "same"), VERSION_ORDER)
def test_versions_order_as_home_assistants(
    first: str, second: str, newer: bool, older: bool, same: bool
) -> None:
    version = TemplateVersion(first)
    assert (version > second, version < second, version == second) == (newer, older, same)
    assert (version >= second) == (newer or same)
    assert (version <= second) == (older or same)


def test_version_parts_and_modifiers() -> None:
    version = TemplateVersion("2023.12.0.dev2")
    assert (version.major, version.minor, version.patch) == ("2023", "12", "0")
    assert (version.modifier, version.modifier_type, version.dev, version.beta) == (
        "dev2",
        "dev",
        True,
        False,
    )
    assert TemplateVersion("v1.2").prefix == "v"
    assert TemplateVersion("1").minor is None
    assert not TemplateVersion("soon").valid
    assert TemplateVersion("1.5").in_range("1.0", "2.0")


def test_comparing_an_unreadable_version_fails_the_render() -> None:
    with pytest.raises(TemplateError, match="cannot compare versions"):
        _render("{{ version('soon') < '1.0' }}")
    assert _render("{{ version('soon') == 'soon' }}") is True


@pytest.mark.parametrize(
    ("start", "end", "km"),
    [  # Home Assistant's own vincenty() gives these to the millimetre.
        ((52.0, 4.0), (52.3, 4.8), 64.130544),
        ((0.0, 0.0), (0.0, 90.0), 10018.754171),
        ((48.8566, 2.3522), (48.8566, 2.3522), 0.0),
        ((10.0, 10.0), (-10.0, -170.0), None),  # antipodal: it does not converge
    ],
)
def test_vincenty_distances(
    start: tuple[float, float], end: tuple[float, float], km: float | None
) -> None:
    assert vincenty_km(start, end) == km


def test_a_distance_that_does_not_converge_fails_the_render() -> None:
    with pytest.raises(TemplateError, match="not a numeric value"):
        _render("{{ distance(10.0, 10.0, -10.0, -170.0) }}")


def test_distance_in_miles_to_the_last_bit() -> None:
    runtime = Runtime(
        clock=TestClock(),
        settings=HouseSettings(latitude=52.0, longitude=4.0, unit_system="us_customary"),
    )
    assert _render("{{ distance(52.3, 4.8) }}", runtime) == 39.84887258410881


def test_closest_takes_the_first_of_equally_near_ones() -> None:
    runtime = Runtime(clock=TestClock())
    for name in ("b", "a"):
        runtime.states.set(f"device_tracker.{name}", "x", {"latitude": 1.0, "longitude": 1.0})
    assert _render("{{ closest(0.0, 0.0, states.device_tracker).entity_id }}", runtime) == (
        "device_tracker.a"  # expand's order: by entity id
    )


def test_pack_that_does_not_fit_warns_and_gives_none(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert _render("{{ pack(70000, '>H') }}") is None
    assert "'pack' unable to pack object '70000'" in caplog.text


def test_translations_fall_back_to_the_state() -> None:
    assert translate_state("on", "binary_sensor", "door") == "Open"
    assert translate_state("on", "binary_sensor", "no_such_class") == "On"
    assert translate_state("not_home", "person", None) == "Away"
    assert translate_state("21.5", "sensor", "temperature") == "21.5"
    assert translate_state("unavailable", "light", None) == "unavailable"
    assert translate_state("on", "custom_domain", None) == "on"


@pytest.mark.parametrize(
    "source",
    [
        "{{ state_translated._runtime }}",
        "{{ closest.__self__ }}",
        "{{ distance.__func__ }}",
        "{{ version('1.0')._text }}",
        "{{ version('1.0').major.section.__func__ }}",
    ],
)
def test_new_objects_expose_no_internals(source: str) -> None:
    try:
        result = _render(source)
    except TemplateError:
        return
    assert result == ""


def test_log_names_a_bad_base_first_and_a_base_of_one_fails_despite_a_default() -> None:
    assert _render("{{ 100 | log(10) }}") == 2.0
    assert _render("{{ 'x' | log(10, 'n/a') }} {{ 0 | log(default=-1) }}") == "n/a -1"
    with pytest.raises(TemplateError, match="log got invalid input 'd'"):
        _render("{{ 'x' | log('d') }}")
    with pytest.raises(TemplateError, match="ZeroDivisionError: float division by zero"):
        _render("{{ 8 | log(1, 0) }}")


def test_from_json_takes_a_default_as_later_releases_do() -> None:
    assert _render("{{ ('{\"a\": [1, 2]}' | from_json(default={})).a[1] }}") == 2
    assert _render("{{ 'not json' | from_json(default='none here') }}") == "none here"
    assert _render("{{ 'NaN' | from_json('no number') }}") == "no number"
    with pytest.raises(TemplateError):
        _render("{{ 'not json' | from_json }}")


@pytest.mark.parametrize(
    "text", ["NaN", "[Infinity]", "-Infinity", "1e400", "[1" + "0" * 400 + "]"]
)
def test_from_json_refuses_what_orjson_refuses(text: str) -> None:
    with pytest.raises(TemplateError):
        _render("{{ text | from_json }}".replace("text", repr(text)))


def test_from_json_reads_integers_past_64_bits_as_doubles_as_orjson() -> None:
    engine = get_template_engine(Runtime(clock=TestClock()))
    read = engine.template("{{ text | from_json }}")
    assert read.render({"text": "18446744073709551615"}) == 18446744073709551615
    assert read.render({"text": "-9223372036854775808"}) == -9223372036854775808
    assert read.render({"text": "[18446744073709551616]"}) == [1.8446744073709552e19]
    assert read.render({"text": "[-9223372036854775809, 1e-400]"}) == [-9.223372036854776e18, 0.0]
