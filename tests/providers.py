"""test.* actions, registered only while the suite runs (settings.TESTING), also in the
workers that stack tests start: outcomes on demand, without outside services."""

import os
import time

from providers.base import NewFile, Outcome, StepContext, err, ok, queued
from providers.registry import provider

ANY = {"type": "object"}


@provider(
    "test.outcome",
    name="Outcome",
    category="Core",
    summary="Answers as configured.",
    config_schema=ANY,
)
def outcome(context: StepContext):
    config = context.config
    return Outcome(
        config.get("status", "OK"),
        config.get("code", ""),
        config.get("message", ""),
        retry_in=config.get("retry_in"),
        args=config.get("args", {}),
    )


@provider(
    "test.flaky",
    name="Flaky",
    category="Core",
    summary="ERR `fail` times, then OK.",
    config_schema=ANY,
)
def flaky(context: StepContext):
    if context.attempt <= context.config.get("fail", 1):
        return err(f"attempt {context.attempt} failed", "flaky")
    return ok(message=f"attempt {context.attempt} worked", args={"attempts": context.attempt})


@provider(
    "test.slow",
    name="Slow",
    category="Core",
    summary="Sleeps `seconds` in the worker.",
    config_schema=ANY,
)
def slow(context: StepContext):
    time.sleep(context.config.get("seconds", 1))
    return ok(message=f"slept, attempt {context.attempt}, ref {context.ref}")


@provider(
    "test.wait",
    name="Wait for poke",
    category="Core",
    summary="QUEUED until poked.",
    config_schema=ANY,
)
def wait(context: StepContext):
    if context.poke is None:
        return queued("waiting for a poke", "waiting", ref=context.config.get("ref"))
    return ok(context.poke.get("code", ""), context.poke.get("message", ""))


@provider(
    "test.pure",
    name="Pure outcome",
    category="Core",
    summary="Answers as configured, from memory: a batch runs it (jobs/batch.py).",
    config_schema=ANY,
    transactional=True,
    pure=True,
)
def pure(context: StepContext):
    return outcome(context)


@provider(
    "test.whose",
    name="Whose worker",
    category="Core",
    summary="OK, naming the process group of the worker that ran it: a stack test's cluster "
    "runs in a session of its own, so this says which cluster took the job.",
    config_schema=ANY,
    transactional=True,
    pure=True,
)
def whose(context: StepContext):
    return ok(message=str(os.getpgrp()))


@provider(
    "test.stuck",
    name="Stuck in C",
    category="Core",
    summary="Runs a jq program that never ends inside libjq, in the worker itself: code that "
    "no signal interrupts (engine.hard_stop must stop it).",
    config_schema=ANY,
)
def stuck(context: StepContext):
    import jq

    jq.compile("def f: f; f").input_value(1).first()
    return ok()


@provider(
    "test.pure_err_then_forever",
    name="ERR, then a jq program that never ends",
    category="Core",
    summary="Pure: ERR on its first attempt, then runs `def f: f; f` in the sandbox.",
    config_schema=ANY,
    transactional=True,
    pure=True,
)
def pure_err_then_forever(context: StepContext):
    from providers import sandbox

    if context.attempt <= 1:
        return err("first attempt failed", "flaky")
    sandbox.jq("def f: f; f", 1)
    return ok()


def evidence(context: StepContext):
    """The configured outcome, with a file: the answer that a KO holds as its evidence."""
    found = outcome(context)
    found.files = [NewFile("answer.xml", b"<rejected/>", "application/xml", "response")]
    return found


SUMMARY = "Answers as configured, with a file."
provider("test.evidence", name="Evidence", category="Core", summary=SUMMARY)(evidence)
provider(
    "test.evidence.inline",
    name="Evidence, in the transaction",
    category="Core",
    summary=SUMMARY,
    transactional=True,
)(evidence)
