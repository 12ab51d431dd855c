"""The jq sandbox: a child process with a memory cap that the step's time limit can kill."""

import resource
import time

import pytest

from providers import sandbox
from providers.limits import StepTimeout, step_deadline


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_it_gives_a_programs_results():
    assert sandbox.jq(".lines[].sum", {"lines": [{"sum": "1.00"}, {"sum": "2.00"}]}) == [
        "1.00",
        "2.00",
    ]
    assert sandbox.jq(".a", {"a": {"b": [1, None, True]}}, first=True) == [{"b": [1, None, True]}]


def test_a_program_with_no_result_gives_an_empty_list():
    assert sandbox.jq("empty", {}, first=True) == []


def test_a_program_that_does_not_compile_is_a_program_error_with_jqs_message():
    with pytest.raises(sandbox.ProgramError, match="syntax error"):
        sandbox.jq(".[", {})


def test_a_runtime_error_is_a_program_error():
    with pytest.raises(sandbox.ProgramError, match="cannot be added"):
        sandbox.jq('. + "x"', {"a": 1})


def test_a_program_that_never_ends_is_stopped_at_the_steps_limit_and_the_next_one_runs():
    started = time.monotonic()
    with step_deadline(0.8), pytest.raises(StepTimeout):
        sandbox.jq("def f: f; f", 1)
    elapsed = time.monotonic() - started
    assert 0.7 < elapsed < 2.5
    assert sandbox.jq(". + 1", 1) == [2]  # a new child took over


def test_a_program_that_eats_memory_is_stopped_by_the_cap_not_the_worker(settings):
    settings.SANDBOX = {**settings.SANDBOX, "memory_mb": 128}
    sandbox._sandbox().stop()  # the next child starts with the smaller cap
    before = rss_mb()
    with pytest.raises(sandbox.LimitExceeded, match="more memory than the sandbox allows"):
        sandbox.jq("[range(1e12)]", 1)
    assert rss_mb() - before < 50  # the worker's own memory did not grow
    assert sandbox.jq("length", [1, 2]) == [2]


def test_an_output_over_the_limit_is_refused(settings):
    settings.SANDBOX = {**settings.SANDBOX, "max_output_bytes": 1000}
    sandbox._sandbox().stop()
    with pytest.raises(sandbox.LimitExceeded, match="more than 1000 bytes"):
        sandbox.jq("[range(1000)]", 1)
