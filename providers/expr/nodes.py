"""The parsed tree: nodes that evaluate themselves against an environment dict."""

from collections.abc import Mapping
from typing import Any

from .errors import MAX_DEPTH, MAX_STEPS, TOO_DEEP, ExprError
from .values import BINARY, PREDICATES, describe, is_array, is_number, truthy


class Context:
    __slots__ = ("env", "frames", "steps")

    def __init__(self, env: Mapping):
        self.env = env
        self.frames: list[tuple[Any, int]] = []  # (#, #index) of the enclosing predicates
        self.steps = 0

    def run(self, predicate: "Node", item: Any, index: int) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise ExprError(f"evaluation took more than {MAX_STEPS} predicate steps", predicate.pos)
        self.frames.append((item, index))
        try:
            return predicate.eval(self)
        finally:
            self.frames.pop()


class Node:
    __slots__ = ("pos", "depth")

    def __init__(self, pos: int, *children: "Node | None"):
        self.pos = pos
        self.depth = 1 + max((c.depth for c in children if c is not None), default=0)
        if self.depth > MAX_DEPTH:
            raise ExprError(TOO_DEEP, pos)

    def eval(self, ctx: Context) -> Any:
        raise NotImplementedError


class Literal(Node):
    __slots__ = ("value",)

    def __init__(self, pos: int, value: Any):
        super().__init__(pos)
        self.value = value

    def eval(self, ctx: Context) -> Any:
        return self.value


class Array(Node):
    __slots__ = ("items",)

    def __init__(self, pos: int, items: list[Node]):
        super().__init__(pos, *items)
        self.items = items

    def eval(self, ctx: Context) -> list:
        return [item.eval(ctx) for item in self.items]


class Name(Node):
    __slots__ = ("name",)

    def __init__(self, pos: int, name: str):
        super().__init__(pos)
        self.name = name

    def eval(self, ctx: Context) -> Any:
        return ctx.env if self.name == "$env" else ctx.env.get(self.name)


class Current(Node):
    __slots__ = ("slot",)

    def __init__(self, pos: int, slot: int):
        super().__init__(pos)
        self.slot = slot  # 0: the element (#), 1: its index (#index)

    def eval(self, ctx: Context) -> Any:
        return ctx.frames[-1][self.slot]


class Member(Node):
    """`a.b`, `a?.b`, `a[k]` and `a?.[k]`: all of them are nil on nil."""

    __slots__ = ("target", "key")

    def __init__(self, pos: int, target: Node, key: Node):
        super().__init__(pos, target, key)
        self.target = target
        self.key = key

    def eval(self, ctx: Context) -> Any:
        target = self.target.eval(ctx)
        if target is None:
            return None
        key = self.key.eval(ctx)
        if isinstance(target, Mapping):
            try:
                return target.get(key)
            except TypeError:
                raise ExprError(f"cannot use {describe(key)} as a map key", self.pos) from None
        is_index = isinstance(key, int) and not isinstance(key, bool)
        if not (is_index and isinstance(target, str | list | tuple)):
            raise ExprError(f"cannot read {describe(key)} of {describe(target)}", self.pos)
        index = key + len(target) if key < 0 else key
        return target[index] if 0 <= index < len(target) else None


class Unary(Node):
    __slots__ = ("op", "operand")

    def __init__(self, pos: int, op: str, operand: Node):
        super().__init__(pos, operand)
        self.op = op
        self.operand = operand

    def eval(self, ctx: Context) -> Any:
        value = self.operand.eval(ctx)
        if self.op == "!":
            return not truthy(value)
        if not is_number(value):
            raise ExprError(f"cannot apply unary '{self.op}' to {describe(value)}", self.pos)
        return -value if self.op == "-" else value


class Binary(Node):
    __slots__ = ("op", "left", "right", "negate")

    def __init__(self, pos: int, op: str, left: Node, right: Node, negate: bool):
        super().__init__(pos, left, right)
        self.op = op
        self.left = left
        self.right = right
        self.negate = negate

    def eval(self, ctx: Context) -> Any:
        result = BINARY[self.op](self.left.eval(ctx), self.right.eval(ctx), self.op, self.pos)
        return not result if self.negate else result


class Logical(Node):
    """A flat chain of && (or of ||), so that long chains do not nest."""

    __slots__ = ("op", "operands")

    def __init__(self, pos: int, op: str, operands: list[Node]):
        super().__init__(pos, *operands)
        self.op = op
        self.operands = operands

    def eval(self, ctx: Context) -> bool:
        values = (truthy(node.eval(ctx)) for node in self.operands)
        return all(values) if self.op == "&&" else any(values)


class Coalesce(Node):
    __slots__ = ("left", "right")

    def __init__(self, pos: int, left: Node, right: Node):
        super().__init__(pos, left, right)
        self.left = left
        self.right = right

    def eval(self, ctx: Context) -> Any:
        value = self.left.eval(ctx)
        return self.right.eval(ctx) if value is None else value


class Ternary(Node):
    __slots__ = ("condition", "then", "otherwise")

    def __init__(self, pos: int, condition: Node, then: Node, otherwise: Node):
        super().__init__(pos, condition, then, otherwise)
        self.condition = condition
        self.then = then
        self.otherwise = otherwise

    def eval(self, ctx: Context) -> Any:
        branch = self.then if truthy(self.condition.eval(ctx)) else self.otherwise
        return branch.eval(ctx)


class Call(Node):
    __slots__ = ("function", "args")

    def __init__(self, pos: int, function, args: list[Node]):
        super().__init__(pos, *args)
        self.function = function
        self.args = args

    def eval(self, ctx: Context) -> Any:
        return self.function(self.pos, *(arg.eval(ctx) for arg in self.args))


class PredicateCall(Node):
    __slots__ = ("name", "subject", "predicate")

    def __init__(self, pos: int, name: str, subject: Node, predicate: Node | None):
        super().__init__(pos, subject, predicate)
        self.name = name
        self.subject = subject
        self.predicate = predicate

    def eval(self, ctx: Context) -> Any:
        items = self.subject.eval(ctx)
        if items is None:
            items = []
        elif not is_array(items):
            raise ExprError(f"{self.name}() needs an array, got {describe(items)}", self.pos)
        if self.predicate is None:
            return len(items)
        results = ((item, ctx.run(self.predicate, item, i)) for i, item in enumerate(items))
        return PREDICATES[self.name](results)
