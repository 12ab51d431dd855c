"""What a `pdf` step may ask for, apart from the renderer: the provider's module imports
this, and imports render.py (reportlab and segno, 22 MB of every process that loads them)
only when a step prints, so that processes that never print do not carry them."""

from dataclasses import dataclass

PAGE_SIZE_NAMES = ("A4", "Letter")


@dataclass(frozen=True)
class Options:
    locale: str = "en"
    date_format: str = ""
    layout: str = "A4"
    logo_height: int = 40
    label: str = ""
    watermark: str = ""


class Unsupported(Exception):
    """A document this provider does not print; `code` is the fault's code."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code
