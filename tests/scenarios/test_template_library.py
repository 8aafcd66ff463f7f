"""The residents' macro files (``custom_templates/``): what is read, what is not, reloads,
errors, and the sandbox around them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from homeloom.house import check_config
from homeloom.orchestrator import Runtime, TestClock
from homeloom.scenarios import TemplateError, get_template_engine, setup_template_library
from homeloom.scenarios import _template_library as library_module

CONFIG = "homeassistant:\n  time_zone: Europe/Paris\n"


def _library(config_dir: Path, files: dict[str, str]) -> Path:
    root = config_dir / "custom_templates"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _runtime(config_dir: Path) -> Runtime:
    runtime = Runtime(clock=TestClock(), config_dir=config_dir)
    runtime.states.set("sensor.x", "4")
    return runtime


def _render(runtime: Runtime, source: str) -> object:
    return get_template_engine(runtime).template(source).render({})


def test_reads_jinja_files_of_the_folder_and_its_subfolders(tmp_path: Path) -> None:
    _library(
        tmp_path,
        {
            "tools.jinja": "{% macro twice(x) %}{{ x * 2 }}{% endmacro %}",
            "rooms/hall.jinja": "{% macro lux() %}{{ states('sensor.x') }}{% endmacro %}",
            "notes.txt": "not a template",
            "tools.j2": "{% macro twice(x) %}{{ x }}{% endmacro %}",
        },
    )
    runtime = _runtime(tmp_path)
    assert setup_template_library(runtime) == ([], [])
    assert sorted(get_template_engine(runtime).library.files) == [
        "rooms/hall.jinja",
        "tools.jinja",
    ]
    assert _render(runtime, "{% from 'tools.jinja' import twice %}{{ twice(21) }}") == 42
    source = "{% import 'rooms/hall.jinja' as hall %}{{ hall.lux() }}"
    assert _render(runtime, source) == 4


def test_a_house_without_library_reads_nothing_and_builds_no_sandbox(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    assert setup_template_library(runtime) == ([], [])
    engine = get_template_engine(runtime)
    assert engine.library.files == {}
    assert engine._env is None  # jinja stays unimported until a template needs it


@pytest.mark.parametrize(
    "name",
    [
        "../configuration.yaml",
        "../custom_templates/tools.jinja",
        "./tools.jinja",
        "/etc/passwd",
        "notes.txt",
        "missing.jinja",
    ],
)
def test_only_the_names_read_can_be_imported(tmp_path: Path, name: str) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    _library(tmp_path, {"tools.jinja": "hi", "notes.txt": "secret"})
    runtime = _runtime(tmp_path)
    setup_template_library(runtime)
    with pytest.raises(TemplateError, match="no template library file"):
        _render(runtime, "{% include '" + name + "' %}")


def test_an_absolute_path_inside_the_folder_finds_nothing(tmp_path: Path) -> None:
    root = _library(tmp_path, {"tools.jinja": "hi"})
    runtime = _runtime(tmp_path)
    setup_template_library(runtime)
    with pytest.raises(TemplateError, match="no template library file"):
        _render(runtime, "{% include '" + str(root / "tools.jinja") + "' %}")


def test_symlinks_out_of_the_folder_are_skipped(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.jinja").write_text("secret", encoding="utf-8")
    root = _library(tmp_path / "config", {"tools.jinja": "hi"})
    (root / "linked.jinja").symlink_to(outside / "secret.jinja")
    (root / "linked_folder").symlink_to(outside, target_is_directory=True)
    (root / "alias.jinja").symlink_to(root / "tools.jinja")  # stays inside: read
    runtime = _runtime(tmp_path / "config")
    errors, warnings = setup_template_library(runtime)
    assert errors == []
    assert [Path(str(issue.file)).name for issue in warnings] == ["linked.jinja"]
    assert "leads outside custom_templates/" in warnings[0].message
    assert sorted(get_template_engine(runtime).library.files) == ["alias.jinja", "tools.jinja"]
    assert _render(runtime, "{% include 'alias.jinja' %}") == "hi"
    for name in ("linked.jinja", "linked_folder/secret.jinja"):
        with pytest.raises(TemplateError, match="no template library file"):
            _render(runtime, "{% include '" + name + "' %}")


def test_files_over_the_size_limit_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library_module, "MAX_LIBRARY_FILE_SIZE", 10)
    _library(tmp_path, {"small.jinja": "0123456789", "large.jinja": "01234567890"})
    runtime = _runtime(tmp_path)
    _, warnings = setup_template_library(runtime)
    assert list(get_template_engine(runtime).library.files) == ["small.jinja"]
    assert [Path(str(issue.file)).name for issue in warnings] == ["large.jinja"]
    assert library_module.MAX_LIBRARY_FILE_SIZE == 10
    monkeypatch.undo()
    assert library_module.MAX_LIBRARY_FILE_SIZE == 5 * 1024 * 1024  # Home Assistant's


async def test_reload_service_reads_the_files_again(tmp_path: Path) -> None:
    root = _library(tmp_path, {"tools.jinja": "{% macro v() %}one{% endmacro %}"})
    runtime = _runtime(tmp_path)
    setup_template_library(runtime)
    source = "{% from 'tools.jinja' import v %}{{ v() }}"
    assert _render(runtime, source) == "one"
    (root / "tools.jinja").write_text("{% macro v() %}two{% endmacro %}", encoding="utf-8")
    (root / "more.jinja").write_text("more", encoding="utf-8")
    assert _render(runtime, source) == "one"  # read at setup and on reload only
    await runtime.services.call("homeassistant", "reload_custom_templates")
    # The same template, compiled once, imports the new text: the old one is not current.
    assert _render(runtime, source) == "two"
    assert _render(runtime, "{% include 'more.jinja' %}") == "more"
    (root / "more.jinja").unlink()
    await runtime.services.call("homeloom", "reload_custom_templates")
    with pytest.raises(TemplateError, match=r"no template library file 'more\.jinja'"):
        _render(runtime, "{% include 'more.jinja' %}")


@pytest.mark.allow_error_logs
async def test_reload_with_a_broken_file_logs_it_and_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = _library(tmp_path, {"tools.jinja": "{% macro v() %}one{% endmacro %}"})
    runtime = _runtime(tmp_path)
    setup_template_library(runtime)
    (root / "tools.jinja").write_text("{% macro v() %}\n{{ 1 + }}{% endmacro %}", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        await runtime.services.call("homeassistant", "reload_custom_templates")
    assert "tools.jinja:2: template syntax error" in caplog.text
    with pytest.raises(
        TemplateError, match=r"syntax error in custom_templates/tools\.jinja line 2"
    ):
        _render(runtime, "{% from 'tools.jinja' import v %}{{ v() }}")


@pytest.mark.allow_error_logs
async def test_check_reports_a_library_syntax_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    _library(tmp_path, {"sub/bad.jinja": "ok\n\n{% if %}{% endif %}\n", "good.jinja": "x"})
    report = await check_config(tmp_path)
    assert [str(issue) for issue in report.errors] == [
        f"{tmp_path / 'custom_templates' / 'sub' / 'bad.jinja'}:3: template syntax error: "
        "Expected an expression, got 'end of statement block'"
    ]


def test_a_macro_failing_while_it_renders_is_a_template_error(tmp_path: Path) -> None:
    _library(tmp_path, {"tools.jinja": "{% macro bad() %}{{ 1 / 0 }}{% endmacro %}"})
    runtime = _runtime(tmp_path)
    setup_template_library(runtime)
    with pytest.raises(TemplateError, match="ZeroDivisionError"):
        _render(runtime, "{% from 'tools.jinja' import bad %}{{ bad() }}")


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ lipsum.__globals__['os'] }}",
        "{{ states.__class__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ namespace.__init__.__globals__ }}",
        "{% set items = [] %}{{ items.append(1) }}",
        "{% set d = {} %}{{ d.update({'a': 1}) }}",
        "{{ range.__self__ }}",
    ],
)
def test_a_hostile_library_file_stays_in_the_sandbox(tmp_path: Path, body: str) -> None:
    _library(tmp_path, {"evil.jinja": "{% macro escape() %}" + body + "{% endmacro %}"})
    runtime = _runtime(tmp_path)
    setup_template_library(runtime)
    env = get_template_engine(runtime).env
    globals_before = dict(env.globals)
    try:
        reached = _render(runtime, "{% from 'evil.jinja' import escape %}{{ escape() }}")
    except TemplateError as err:
        assert "unsafe" in str(err) or "not safely callable" in str(err)
    else:  # an attribute refused reads as undefined: it renders as nothing
        assert reached == ""
    assert env.globals == globals_before


def test_a_library_file_including_itself_fails_without_a_crash(tmp_path: Path) -> None:
    _library(tmp_path, {"loop.jinja": "{% include 'loop.jinja' %}"})
    runtime = _runtime(tmp_path)
    setup_template_library(runtime)
    with pytest.raises(TemplateError, match="too large or too deep"):
        _render(runtime, "{% include 'loop.jinja' %}")
