"""Numbers, amounts, percentages and dates written the way the reader's locale writes them.

Babel (CLDR) decides separators, symbol placement and month names. Two adjustments:
- the narrow no-break space (U+202F, French grouping) becomes a plain no-break space: the PDF's
  standard Helvetica has no glyph for it, and embedding a font for one character would cost
  more than it gives;
- a currency symbol Helvetica cannot draw (₹) is written as its ISO code;
- amounts keep every digit the document has (decimal_quantization=False): a price of 0.1234
  must not print as 0.12, while whole amounts still get the currency's two decimals.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, get_day_names, get_month_names
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_symbol

AMOUNT = "#,##0.00"
STRFTIME_NAMES = re.compile(r"%[aAbB]")


class UnknownLocale(ValueError):
    pass


@lru_cache(maxsize=64)
def parse_locale(code: str) -> Locale:
    """`es`, `es-ES` and `es_ES` alike; UnknownLocale for anything CLDR does not know."""
    try:
        return Locale.parse(code.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError) as exc:
        raise UnknownLocale(f"unknown locale {code!r}") from exc


def decimal(value) -> Decimal | None:
    """A GOBL number ("1620.00", "21.0%", 3) as a Decimal, or None when there is none."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        return None


def _printable(text: str) -> str:
    return text.replace("\u202f", "\u00a0")


def _with_printable_symbol(text: str, code: str, locale: Locale) -> str:
    """The ISO code where the currency's symbol is outside Helvetica's WinAnsi encoding (₹,
    ₺, ₴…), which the PDF would draw as a box: "INR 2,017.80"."""
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        symbol = get_currency_symbol(code, locale=locale)
        if text.startswith(symbol):
            return f"{code}\u00a0{text[len(symbol) :]}"
        return text.replace(symbol, code)


class Formats:
    """Every value of one PDF, written for one locale (and, for dates, an optional strftime
    pattern, as Invopop's date_format)."""

    def __init__(self, locale: str, currency: str = "EUR", date_format: str = ""):
        self.locale = parse_locale(locale)
        self.currency = currency or "EUR"
        self.date_format = date_format
        self._months = get_month_names("wide", locale=self.locale)
        self._short_months = get_month_names("abbreviated", locale=self.locale)
        self._days = get_day_names("wide", locale=self.locale)
        self._short_days = get_day_names("abbreviated", locale=self.locale)

    @property
    def language(self) -> str:
        return self.locale.language

    def money(self, value, currency: str = "") -> str:
        """An amount with its currency symbol: "€1,234.56", "1.234,56 €"."""
        number = decimal(value)
        if number is None:
            return ""
        code = currency or self.currency
        text = format_currency(number, code, locale=self.locale, decimal_quantization=False)
        return _with_printable_symbol(_printable(text), code, self.locale)

    def amount(self, value) -> str:
        """An amount without symbol, at least two decimals (table cells): "1.234,56"."""
        number = decimal(value)
        if number is None:
            return ""
        return _printable(
            format_decimal(number, format=AMOUNT, locale=self.locale, decimal_quantization=False)
        )

    def number(self, value) -> str:
        """A quantity: as many decimals as it has, none when whole: "20", "1,5"."""
        number = decimal(value)
        if number is None:
            return ""
        if number == number.to_integral_value():
            number = number.quantize(Decimal(1))
        return _printable(format_decimal(number, locale=self.locale, decimal_quantization=False))

    def percent(self, value) -> str:
        """A GOBL percentage ("21.0%") as the locale writes it: "21%", "21 %", "5,5 %"."""
        number = decimal(value)
        if number is None:
            return ""
        return _printable(
            format_percent(number / 100, locale=self.locale, decimal_quantization=False)
        )

    def date(self, value) -> str:
        """An ISO date ("2026-01-15") with date_format's pattern, or the locale's medium form."""
        if not value:
            return ""
        try:
            day = datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)  # print what the document says rather than nothing
        if not self.date_format:
            return format_date(day, "medium", locale=self.locale)
        return day.strftime(
            STRFTIME_NAMES.sub(lambda m: self._name(m.group(), day), self.date_format)
        )

    def _name(self, directive: str, day: datetime.date) -> str:
        """Month and day names of the locale (strftime would give the C locale's English)."""
        names = {
            "%B": self._months[day.month],
            "%b": self._short_months[day.month],
            "%A": self._days[day.weekday()],
            "%a": self._short_days[day.weekday()],
        }
        return names[directive].replace("%", "%%")
