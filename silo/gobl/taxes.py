"""Tax combos (a category, key and rate on a line) and the tax totals of a document.

As GOBL does: a combo's percentage comes from the regime's rate in force on the document's
date; the totals group the taxable amounts by category and percentage, then apply each
percentage once to the group's base. With the "precise" rounding rule the bases keep two
extra decimals until the end; with "currency" every amount is rounded first.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from . import amounts as num
from .addons import normalize_combo
from .problems import Problems
from .regimes import ISO_COUNTRIES, Category, Regime, regime_or_global

PRECISE = "precise"
CURRENCY = "currency"
EXTRA_PLACES = 2  # GOBL's decimals above the currency's: all figures (precise), tax bases (both)

# Older names of VAT rates that are really keys, as GOBL migrates them.
RATES_THAT_ARE_KEYS = {
    "zero": "zero",
    "exempt": "exempt",
    "exempt+reverse-charge": "reverse-charge",
    "exempt+export": "export",
    "exempt+eea": "intra-community",
    "exempt+export+eea": "intra-community",
}


@dataclass
class Combo:
    cat: str
    key: str = ""
    rate: str = ""
    percent: Decimal | None = None
    surcharge: Decimal | None = None
    country: str = ""
    ext: dict = field(default_factory=dict)
    retained: bool = False
    informative: bool = False

    def as_json(self) -> dict:
        out: dict = {"cat": self.cat}
        if self.country:
            out["country"] = self.country
        if self.key:
            out["key"] = self.key
        if self.rate:
            out["rate"] = self.rate
        if self.percent is not None:
            out["percent"] = num.percent_text(self.percent)
        if self.surcharge is not None:
            out["surcharge"] = num.percent_text(self.surcharge)
        if self.ext:
            out["ext"] = self.ext
        return out

    def copy(self) -> "Combo":
        """Another combo like this one, with its own `ext` (the add-ons replace a line's)."""
        found = object.__new__(Combo)
        found.__dict__.update(self.__dict__)
        found.ext = dict(self.ext)
        return found


def parse_combos(
    taxes,
    regime: Regime,
    date: str,
    problems: Problems,
    addons: tuple[str, ...] = (),
    known: dict | None = None,
) -> list[Combo]:
    """The `taxes` of a line, discount or charge, normalized and with their percentages.

    `known` (one per document: the same regime, date and add-ons) keeps each combo parsed
    without a problem by what was written, so that the lines that say the same (most of
    them) get a copy instead of parsing it again: a third of a long invoice's build with
    add-ons, a fifth without (issue 16)."""
    if taxes is None:
        return []
    if not isinstance(taxes, list):
        problems.add("", "must be a list of taxes")
        return []
    combos = []
    for index, raw in enumerate(taxes):
        key = combo_key(raw) if known is not None else None
        if key is not None and key in known:
            combo = known[key].copy()
        else:
            seen = len(problems.found)
            combo = parse_combo(raw, regime, date, problems.at(f"/{index}"), addons)
            if key is not None and combo is not None and len(problems.found) == seen:
                known[key] = combo.copy()
        if combo is None:
            continue
        if any(c.cat == combo.cat for c in combos):
            problems.add(f"/{index}/cat", f"category {combo.cat} appears twice")
            continue
        combos.append(combo)
    return combos


def combo_key(raw) -> tuple | None:
    """What a combo says, as a key, when all it says is text (`ext` too): 1, 1.0 and True
    are equal keys but not equal percentages."""
    if not isinstance(raw, dict):
        return None
    key = []
    for name, value in raw.items():
        if type(value) is str:
            key.append((name, value))
        elif name == "ext" and type(value) is dict:
            if not all(type(code) is str for code in value.values()):
                return None
            key.append((name, tuple(value.items())))
        else:
            return None
    return tuple(key)


def parse_combo(raw, regime: Regime, date: str, problems: Problems, addons) -> Combo | None:
    if not isinstance(raw, dict):
        problems.add("", "must be an object")
        return None
    cat = raw.get("cat")
    if not isinstance(cat, str) or not cat:
        problems.add("/cat", "is required")
        return None
    combo = Combo(
        cat=cat.strip(),  # as GOBL reads a code: "PISRet" is a Brazilian category
        key=text_field(raw, "key"),
        rate=text_field(raw, "rate") or first_tag(raw),
        country=text_field(raw, "country").upper(),
        ext=raw["ext"] if isinstance(raw.get("ext"), dict) else {},
    )
    for name in ("percent", "surcharge"):
        if raw.get(name) not in (None, ""):
            try:
                setattr(combo, name, num.parse_percent(raw[name]))
            except num.AmountError as exc:
                problems.add(f"/{name}", str(exc))
                return None
    normalize_vat(combo)
    set_vat_region(combo, regime)
    renamed_ext(combo, regime)
    normalize_combo(combo, addons)
    return prepared(combo, regime, date, problems)


def text_field(raw: dict, name: str) -> str:
    value = raw.get(name)
    return value if isinstance(value, str) else ""


def first_tag(raw: dict) -> str:
    """GOBL's earlier format put the rate in `tags`."""
    tags = raw.get("tags")
    return tags[0] if isinstance(tags, list) and tags and isinstance(tags[0], str) else ""


def normalize_vat(combo: Combo) -> None:
    """GOBL's migration of VAT rates to keys: "standard" is the key of the "general" rate,
    "zero" and the "exempt" family are keys without a rate."""
    if combo.cat != "VAT":
        return
    if combo.rate in RATES_THAT_ARE_KEYS:
        combo.key = RATES_THAT_ARE_KEYS[combo.rate]
        combo.rate = ""
    elif combo.rate == "standard":
        combo.rate = "general"
    elif combo.rate.startswith("standard+"):
        combo.rate = "general+" + combo.rate.removeprefix("standard+")
    if not combo.key and combo.percent is not None and not combo.percent:
        combo.key = "zero"
    if combo.key == "zero" and combo.percent is None:
        combo.percent = num.parse_percent("0%")
    if combo.key == "reverse-charge":
        combo.percent = None


def renamed_ext(combo: Combo, regime: Regime) -> None:
    """Extensions the regime renamed (Italy's it-sdi-nature is it-sdi-exempt now): a
    document written before builds as one written today."""
    for old, new in regime.ext_renames.items():
        if old in combo.ext:
            ext = {k: v for k, v in combo.ext.items() if k != old}
            combo.ext = ext | {new: combo.ext[old]}


def set_vat_region(combo: Combo, regime: Regime) -> None:
    """A VAT combo of a regime with regions (Portugal) always names one, as GOBL's
    normalizer does: the one given, else the mainland; a foreign combo's country wins. The
    region picks the rate, and rate rows of different regions stay apart."""
    key = regime.vat_region
    if not key or combo.cat != "VAT":
        return
    if combo.country and combo.country != regime.country:
        region = ISO_COUNTRIES.get(combo.country, combo.country)
    elif key in combo.ext:
        return
    else:
        region = regime.country
    combo.ext = {**combo.ext, key: region}  # a copy: the given ext may be shared


def prepared(combo: Combo, regime: Regime, date: str, problems: Problems) -> Combo | None:
    """The combo with its key defaulted and its percentage from the regime's rate."""
    if combo.country == regime.country:
        combo.country = ""
    combo_regime = regime_or_global(combo.country) if combo.country else regime
    if combo_regime is None:
        problems.add("/country", f"{combo.country!r} is not a tax country code")
        return None
    category = combo_regime.category(combo.cat)
    if category is None and not combo_regime.country:
        return combo  # no regime, no definition to check it against: as given
    if category is None:
        problems.add(
            "/cat", f"category {combo.cat} is not defined in regime {combo_regime.country}"
        )
        return None
    combo.retained, combo.informative = category.retained, category.informative
    if category.keys and not combo.key:
        combo.key = "standard"
    if combo.key and combo.key not in category.keys:
        problems.add("/key", f"key {combo.key!r} is not valid for category {combo.cat}")
        return None
    if category.keys.get(combo.key):  # a key that takes no percentage: not charged
        combo.percent = combo.surcharge = None
        return combo
    if combo.rate and not with_rate_value(combo, category, date, problems):
        return None
    if combo.percent is None:
        problems.add("/percent", f"is required for {combo.cat} {combo.key or ''}".strip())
        return None
    return combo


def with_rate_value(combo: Combo, category: Category, date: str, problems: Problems) -> bool:
    rate = category.rate(combo.key, combo.rate)
    if rate is None:
        where = f" for key {combo.key!r}" if combo.key else ""
        problems.add("/rate", f"rate {combo.rate!r} is not defined{where} in category {combo.cat}")
        return False
    if not rate.values:
        return True
    value = rate.value_on(date, combo.ext)
    if value is None:
        problems.add("/rate", f"rate {combo.rate!r} of {combo.cat} is not in force on {date}")
        return False
    combo.percent = num.parse_percent(value.percent)
    combo.surcharge = num.parse_percent(value.surcharge) if value.surcharge else None
    return True


# --- Totals


@dataclass
class RateTotal:
    combo: Combo
    base: Decimal
    amount: Decimal
    surcharge: Decimal | None = None

    def matches(self, combo: Combo) -> bool:
        mine = self.combo
        if mine.ext != combo.ext or mine.country != combo.country:
            return False
        if mine.percent is None or combo.percent is None:
            # Not charged: one row whatever the key (exempt, export, reverse-charge...), under
            # the first key met, as GOBL v0.502.1 groups them. Keeping a row per key would
            # read better but would not be the document GOBL builds, nor its digest.
            return mine.percent is None and combo.percent is None
        return mine.percent == combo.percent and mine.surcharge == combo.surcharge


@dataclass
class CategoryTotal:
    code: str
    retained: bool
    informative: bool = False
    rates: list[RateTotal] = field(default_factory=list)
    amount: Decimal = Decimal(0)
    surcharge: Decimal | None = None


@dataclass
class TaxTotals:
    categories: list[CategoryTotal] = field(default_factory=list)
    sum: Decimal = Decimal(0)
    retained: Decimal | None = None

    def category(self, code: str) -> CategoryTotal | None:
        return next((c for c in self.categories if c.code == code), None)

    def rate_total_for(self, combo: Combo, zero: Decimal) -> RateTotal:
        category = self.category(combo.cat)
        if category is None:
            category = CategoryTotal(combo.cat, combo.retained, combo.informative, amount=zero)
            self.categories.append(category)
        for rate_total in category.rates:
            if rate_total.matches(combo):
                return rate_total
        rate_total = RateTotal(combo, zero, zero, zero if combo.surcharge is not None else None)
        category.rates.append(rate_total)
        return rate_total


@dataclass
class TaxableLine:
    total: Decimal
    combos: list[Combo]


def tax_totals(lines: list[TaxableLine], places: int, rounding: str, includes: str) -> TaxTotals:
    """GOBL's TotalCalculator: the taxes of the lines, discounts and charges given.

    Every taxed line's total gets two decimals more than the currency (whatever the rule),
    then loses the tax its price includes; under the "currency" rule each line's share is
    rounded to the currency as it joins its rate's base, under "precise" the bases keep every
    decimal. Extracting the included tax from each rate's running sum instead would make the
    rows add up to the prices as given, but it is not what GOBL v0.502.1 does."""
    zero = num.rescale(Decimal(0), places)
    totals = TaxTotals(sum=zero)
    for line in lines:
        if not line.combos:
            continue
        total = without_included_tax(
            line, num.rescale_up(line.total, places + EXTRA_PLACES), includes
        )
        for combo in line.combos:
            rate_total = totals.rate_total_for(combo, zero)
            if rounding == CURRENCY:
                rate_total.base = num.add(rate_total.base, total)
            else:
                rate_total.base = num.accumulate(rate_total.base, total)
    final_sums(totals, zero)
    return totals


def without_included_tax(line: TaxableLine, total: Decimal, includes: str) -> Decimal:
    if not includes:
        return total
    combo = next((c for c in line.combos if c.cat == includes), None)
    if combo is None or combo.percent is None:
        return total
    return num.percent_removed(combo.percent, total)


def final_sums(totals: TaxTotals, zero: Decimal) -> None:
    for category in totals.categories:
        category.amount = zero
        for rate_total in category.rates:
            rate_amount(rate_total, category, zero)
        charged = category.amount
        if category.surcharge is not None:
            charged = num.accumulate(charged, category.surcharge)
        if category.informative:  # reported to the authority, never charged nor retained
            continue
        if category.retained:
            totals.retained = num.accumulate(totals.retained or zero, charged)
        else:
            totals.sum = num.accumulate(totals.sum, charged)


def rate_amount(rate_total: RateTotal, category: CategoryTotal, zero) -> None:
    combo = rate_total.combo
    if combo.percent is None:
        rate_total.amount = zero
        return
    rate_total.amount = num.percent_of(combo.percent, rate_total.base)
    category.amount = num.accumulate(category.amount, rate_total.amount)
    if combo.surcharge is not None:
        rate_total.surcharge = num.percent_of(combo.surcharge, rate_total.base)
        category.surcharge = num.accumulate(category.surcharge or zero, rate_total.surcharge)


def recalculated(given: dict, places: int, problems: Problems) -> dict | None:
    """Tax totals written by hand (a preceding document's, say): each rate's amount from its
    base and percent, the sums, all rounded to the currency, as GOBL's Total.Calculate and
    Round. None when a figure cannot be read (the problem is recorded)."""
    zero = num.rescale(Decimal(0), places)
    totals = TaxTotals(sum=zero)
    for index, given_category in enumerate(given.get("categories") or []):
        category = category_from(given_category, zero, problems.at(f"/categories/{index}"))
        if category is None:
            return None
        totals.categories.append(category)
    final_sums(totals, zero)
    return totals_json(totals, places)


def category_from(given, zero: Decimal, problems: Problems) -> CategoryTotal | None:
    if not isinstance(given, dict) or not isinstance(given.get("code"), str):
        problems.add("", "must be an object with a code")
        return None
    retained, informative = given.get("retained") is True, given.get("informative") is True
    category = CategoryTotal(given["code"], retained, informative, amount=zero)
    for index, rate in enumerate(given.get("rates") or []):
        where = problems.at(f"/rates/{index}")
        try:
            combo = Combo(
                cat=category.code,
                key=text_field(rate, "key"),
                country=text_field(rate, "country"),
                ext=rate["ext"] if isinstance(rate.get("ext"), dict) else {},
                percent=num.parse_percent(rate["percent"]) if rate.get("percent") else None,
            )
            base = num.parse(rate.get("base", "0"))
        except (num.AmountError, TypeError, AttributeError) as exc:
            where.add("", str(exc) if isinstance(exc, num.AmountError) else "must be an object")
            return None
        surcharge = rate.get("surcharge")
        if isinstance(surcharge, dict) and surcharge.get("percent"):
            combo.surcharge = num.parse_percent(surcharge["percent"])
        category.rates.append(
            RateTotal(combo, base, zero, zero if combo.surcharge is not None else None)
        )
    return category


def totals_json(totals: TaxTotals, places: int) -> dict:
    """The `taxes` of the document's totals, rounded to the currency."""

    def money(amount: Decimal) -> str:
        return num.text(num.rescale(amount, places))

    categories = []
    for category in totals.categories:
        out: dict = {"code": category.code}
        if category.retained:
            out["retained"] = True
        if category.informative:
            out["informative"] = True
        out["rates"] = [rate_json(r, money) for r in category.rates]
        out["amount"] = money(category.amount)
        if category.surcharge is not None:
            out["surcharge"] = money(category.surcharge)
        categories.append(out)
    result: dict = {"categories": categories, "sum": money(totals.sum)}
    if totals.retained is not None:
        result["retained"] = money(totals.retained)
    return result


def rate_json(rate_total: RateTotal, money) -> dict:
    combo = rate_total.combo
    out: dict = {}
    if combo.country:
        out["country"] = combo.country
    if combo.key:
        out["key"] = combo.key
    if combo.ext:
        out["ext"] = combo.ext
    out["base"] = money(rate_total.base)
    if combo.percent is not None:
        out["percent"] = num.percent_text(combo.percent)
    if rate_total.surcharge is not None:
        out["surcharge"] = {
            "percent": num.percent_text(combo.surcharge),
            "amount": money(rate_total.surcharge),
        }
    out["amount"] = money(rate_total.amount)
    return out
