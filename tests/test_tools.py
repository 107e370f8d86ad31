"""A missing outside tool fails the run unless the user opts out (tests/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CONFTEST = (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8")
MISSING = '\nTOOLS["virtuoso"] = Tool("Virtuoso", "make virtuoso", lambda: False)\n'
TESTS = """
import pytest

@pytest.mark.needs("virtuoso")
def test_needs_virtuoso():
    pass

@pytest.mark.needs("oxigraph")
def test_needs_a_present_tool():
    pass

def test_skips_while_running():
    pytest.skip("virtuoso-t is not installed")

@pytest.mark.skipif(True, reason="declared up front")
def test_declared_skip():
    pass
"""


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("CARTGRAPH_SKIP", "CARTGRAPH_SKIP_BROWSER", "CARTGRAPH_SKIP_OXIGRAPH",
                 "CARTGRAPH_SKIP_VIRTUOSO"):
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(CONFTEST + MISSING)
    pytester.makepyfile(test_inner=TESTS)
    return pytester


def test_a_missing_tool_fails_with_how_to_install_it(inner: pytest.Pytester) -> None:
    result = inner.runpytest_inprocess("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=1, errors=1, failed=1, skipped=1)  # errors: at set-up
    result.stdout.fnmatch_lines([
        "*Virtuoso is missing: install it (make virtuoso), or set CARTGRAPH_SKIP=virtuoso*",
        "*skipped while running, which make test does not allow: virtuoso-t is not installed*",
    ])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_the_user_can_opt_out_by_name(inner: pytest.Pytester,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTGRAPH_SKIP", "virtuoso,browser")
    result = inner.runpytest_inprocess("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=1, skipped=3)
    result.stdout.fnmatch_lines(["CARTGRAPH_SKIP: skipping tests that need browser, virtuoso",
                                 "*needs virtuoso (CARTGRAPH_SKIP=virtuoso)*"])
    assert result.ret == pytest.ExitCode.OK
    assert "CARTGRAPH_SKIP_VIRTUOSO" not in os.environ  # set for the run only


def test_helpers_that_read_one_variable_per_tool_see_the_opt_out(
        inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    inner.makepyfile(test_helper="""
import os, pytest

def test_a_helper_deciding_at_run_time():
    if os.environ.get("CARTGRAPH_SKIP_VIRTUOSO") == "1":
        pytest.skip("virtuoso-opensource is not installed (CARTGRAPH_SKIP_VIRTUOSO=1)")
    pytest.fail("virtuoso-t not found")
""")
    monkeypatch.setenv("CARTGRAPH_SKIP", "virtuoso")
    result = inner.runpytest_inprocess("-p", "no:cacheprovider", "test_helper.py")
    result.assert_outcomes(skipped=1)


def test_one_variable_per_tool_says_the_same(inner: pytest.Pytester,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTGRAPH_SKIP_VIRTUOSO", "1")
    result = inner.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=3)


def test_an_unknown_tool_name_is_a_usage_error(inner: pytest.Pytester,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTGRAPH_SKIP", "chrome")
    result = inner.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*CARTGRAPH_SKIP: unknown tool 'chrome' "
                                 "(known: browser, oxigraph, ocr, virtuoso)*"])
