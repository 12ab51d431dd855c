"""Where a job is in its workflow's definition.

A cursor is a stack of frames `[steps pointer, index, stop after]`: the outermost is
`/steps` (or `/rescue`), each `next` block entered adds one, and `stop after` says how a
block that says "stop" ends the job once its steps are done ("OK", "KO", or False). It is
stored on the job as JSON, so that a job goes on from where it was after any restart.
"""

from invopop_console.pointers import pointer, split
from providers.base import Status
from workflows.definition import walk

ANY_STATUS = ("", "NA", "Any", "any")
FAILED = (Status.KO, Status.TIMEOUT)  # the outcomes that take a failure path


def resolve(definition: dict, at: str):
    """The node at JSON pointer `at`, or None."""
    node = definition
    for part in split(at):
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        if node is None:
            return None
    return node


def locate(definition: dict, cursor):
    """(normalised cursor, step under it), climbing out of finished blocks. With no step left
    the cursor is [] or, when a block that says "stop" ended the job, "OK" or "KO"."""
    cursor = [list(frame) for frame in cursor]
    while cursor:
        at, index, stop_after = cursor[-1]
        steps = resolve(definition, at) or []
        if index < len(steps):
            return cursor, steps[index]
        cursor.pop()
        if stop_after:
            return stop_after, None
        if cursor:
            cursor[-1][1] += 1
    return [], None


def after_step(cursor, step, block, failed: bool):
    """The cursor after `step` finished, given the next block that matched (or None)."""
    cursor = [list(frame) for frame in cursor]
    if block is not None:
        nested = block.get("steps") or []
        if nested:
            index = (step.get("next") or []).index(block)
            at = f"{cursor[-1][0]}/{cursor[-1][1]}/next/{index}/steps"
            stop_after = (Status.KO if failed else Status.OK) if block.get("stop") else False
            return [*cursor, [at, 0, stop_after]]
        if block.get("stop"):
            return "stop"
    cursor[-1][1] += 1
    return cursor


def cursor_of(definition: dict, step_id: str, among=("steps", "rescue")):
    """The cursor on the step with `step_id` (nested ones included), as the engine would have
    set it on reaching that step: each block entered is a frame, and a block that says
    "stop" ends the job when its steps are done, KO for a failure block. None when no step
    of `among` has that id."""
    for path, step in walk(definition):
        if path[0] not in among or step.get("id") != step_id:
            continue
        frames = [[pointer(*path[:1]), path[1], False]]
        for i in range(2, len(path), 4):  # .../<n>/next/<m>/steps/<k>
            block = resolve(definition, pointer(*path[:i]))["next"][path[i + 1]]
            stop_after = False
            if block.get("stop"):
                stop_after = Status.KO if block.get("status") in FAILED else Status.OK
            frames.append([pointer(*path[: i + 3]), path[i + 3], stop_after])
        return frames
    return None


def jump(definition: dict, step_id: str):
    """The cursor of the step with `step_id` (the legacy `next.step_id`); "stop" when none."""
    return cursor_of(definition, step_id) or "stop"


def matching_block(step: dict, outcome):
    """The first next block that handles this outcome. Any/NA blocks match what went well
    (OK, SKIP); a failure is handled only by an explicit KO (or TIMEOUT) block, so that a
    catch-all never swallows one."""
    blocks = [b for b in (step.get("next") or []) if isinstance(b, dict)]
    wanted = {Status.TIMEOUT: (Status.TIMEOUT, Status.KO), Status.KO: (Status.KO,)}.get(
        outcome.status
    )
    for status in wanted or (None,):
        for block in blocks:
            if _block_matches(block, outcome, status):
                return block
    return None


def _block_matches(block, outcome, failure_status) -> bool:
    code = block.get("code") or ""
    if code and code != outcome.code:
        return False
    status = block.get("status") or ""
    if failure_status is not None:
        return status == failure_status
    return status in ANY_STATUS or status == outcome.status
