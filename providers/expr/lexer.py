"""Source text as tokens: numbers, strings, names, `#`/`#index` and operators."""

import re
from dataclasses import dataclass
from typing import Any

from .errors import ExprError, clip


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number, string, name, hash, op, end
    value: Any
    pos: int
    text: str

    def describe(self) -> str:
        return "end of expression" if self.kind == "end" else f"token '{clip(self.text)}'"

    def is_op(self, *values: str) -> bool:
        return self.kind == "op" and self.value in values

    def is_word(self, *values: str) -> bool:
        return self.kind == "name" and self.value in values


_SKIP = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)+", re.DOTALL)
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|(?:\d[\d_]*(?:\.\d[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?"
)
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_]*")
_HASH = re.compile(r"#[A-Za-z_]*")
_OPERATORS = ["??", "?.", "==", "!=", "<=", ">=", "&&", "||", *"()[]{},.:?!<>+-*/%"]
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "'": "'", "\\": "\\", "`": "`"}


def tokenize(source: str) -> list[Token]:
    tokens, pos = [], 0
    while True:
        skipped = _SKIP.match(source, pos)
        if skipped:
            pos = skipped.end()
        if source.startswith("/*", pos):
            raise ExprError("unterminated comment", pos)
        if pos >= len(source):
            tokens.append(Token("end", None, pos, ""))
            return tokens
        token = _next_token(source, pos)
        tokens.append(token)
        pos += len(token.text)


def _next_token(source: str, pos: int) -> Token:
    char = source[pos]
    if char in "\"'`":
        return _string(source, pos)
    if char.isdigit() or (char == "." and source[pos + 1 : pos + 2].isdigit()):
        return _number(source, pos)
    for pattern, kind in ((_NAME, "name"), (_HASH, "hash")):
        if match := pattern.match(source, pos):
            return Token(kind, match.group(), pos, match.group())
    for op in _OPERATORS:
        if source.startswith(op, pos):
            if op == "?." and source[pos + 2 : pos + 3].isdigit():
                continue  # `a ?.5 : 1` is a ternary
            return Token("op", op, pos, op)
    raise ExprError(f"unexpected character '{char}'", pos)


def _number(source: str, pos: int) -> Token:
    text = _NUMBER.match(source, pos).group()
    digits = text.replace("_", "")
    try:
        if text[:2].lower() in ("0x", "0o", "0b"):
            value = int(digits, 0)
        elif any(c in text for c in ".eE"):
            value = float(digits)
        else:
            value = int(digits)
    except ValueError:
        raise ExprError(f"invalid number '{clip(text)}'", pos) from None
    return Token("number", value, pos, text)


def _string(source: str, pos: int) -> Token:
    quote, chars, i = source[pos], [], pos + 1
    while i < len(source) and source[i] != quote:
        if source[i] == "\\" and quote != "`":
            char, i = _escape(source, i)
        else:
            char, i = source[i], i + 1
        chars.append(char)
    if i >= len(source):
        raise ExprError("unterminated string", pos)
    return Token("string", "".join(chars), pos, source[pos : i + 1])


def _escape(source: str, i: int) -> tuple[str, int]:
    code = source[i + 1 : i + 2]
    if code in _ESCAPES:
        return _ESCAPES[code], i + 2
    if code == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", source[i + 2 : i + 6]):
        return chr(int(source[i + 2 : i + 6], 16)), i + 6
    raise ExprError(f"unknown escape '\\{code}'", i)
