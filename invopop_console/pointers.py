"""JSON pointers (RFC 6901): the one place that writes and reads them.

Errors name what is wrong by pointer, the editor addresses steps by pointer and a job's
cursor stores pointers, so all of them must agree on the escapes: a key's "~" is written
"~0" and its "/" "~1". Reading undoes "~1" first, so that "~01" reads back as "~1", not "/".
"""


def escape(key) -> str:
    """A key (or list index) as one token of a pointer. A lone surrogate is written as its
    escape, \\ud800: a pointer may be reported for that very key, and a report must be
    writable (no UTF-8 encoder, database or template takes a lone surrogate)."""
    text = str(key).replace("~", "~0").replace("/", "~1")
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def pointer(*keys) -> str:
    """The pointer to `keys`, one below the other; "" (the whole document) for none."""
    return "".join("/" + escape(key) for key in keys)


def split(at: str) -> list[str]:
    """The keys of the pointer `at`, unescaped: [] for "", the whole document. Raises
    ValueError for what is no pointer (it does not start with "/"). List indexes stay
    strings: only the document says whether "2" is an index or a key."""
    if at == "":
        return []
    if not at.startswith("/"):
        raise ValueError(f"not a JSON pointer: {at!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in at[1:].split("/")]
