"""Tax regime facts: currency, time zone, tax categories, their keys and dated rates.

Written from GOBL's published regime definitions (invopop/gobl `regimes/`). A rate's values
are listed newest first; the value in force on a date is the first one that started on or
before it (and whose extensions, if any, the tax combo carries, as for Portugal's regions).
"""

from dataclasses import dataclass, field
from functools import cached_property

# Keys of VAT-like categories; those without a percentage mark taxes that are not charged.
VAT_KEYS = {
    "standard": False,
    "zero": False,
    "reverse-charge": True,
    "exempt": True,
    "export": True,
    "intra-community": True,
    "outside-scope": True,
}
GST_KEYS = {"standard": False, "zero": False, "exempt": True, "outside-scope": True}


@dataclass(frozen=True)
class RateValue:
    percent: str
    since: str | None = None  # ISO date; None: always
    surcharge: str | None = None
    ext: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rate:
    rate: str
    values: tuple[RateValue, ...]
    keys: tuple[str, ...] = ()  # the keys this rate may be used with; empty: any

    def value_on(self, date: str, ext: dict) -> RateValue | None:
        for value in self.values:
            in_force = value.since is None or value.since <= date
            if in_force and all(ext.get(k) == v for k, v in value.ext.items()):
                return value
        return None


@dataclass(frozen=True)
class Category:
    code: str
    rates: tuple[Rate, ...] = ()
    keys: dict = field(default_factory=dict)  # key -> True when it takes no percentage
    retained: bool = False
    informative: bool = False  # reported, but neither charged nor retained (Brazil's)

    def rate(self, key: str, rate: str) -> Rate | None:
        for candidate in self.rates:
            if candidate.rate == rate and (not candidate.keys or key in candidate.keys):
                return candidate
        return None


@dataclass(frozen=True)
class Regime:
    country: str
    currency: str
    time_zone: str
    categories: tuple[Category, ...]
    # The extension by which each VAT combo names its region (Portugal's pt-region, whose
    # islands have their own rates): the country itself unless the combo says otherwise.
    vat_region: str = ""
    rounding: str = "precise"  # the rule when the document names none (taxes.py's names)
    # Extensions of tax combos that GOBL renamed: documents written before still build.
    ext_renames: dict = field(default_factory=dict)

    def category(self, code: str) -> Category | None:
        return self.categories_by_code.get(code)

    @cached_property
    def categories_by_code(self) -> dict[str, Category]:
        # A dict rather than a walk of the tuple: the walk was 3-5% of a long invoice's
        # build (issue 16). The first of a code wins, as the walk's did.
        found: dict[str, Category] = {}
        for category in self.categories:
            found.setdefault(category.code, category)
        return found


def v(percent: str, since: str | None = None, surcharge: str | None = None, **ext) -> RateValue:
    return RateValue(percent, since, surcharge, {k.replace("_", "-"): x for k, x in ext.items()})


def standard(rate: str, *values: RateValue) -> Rate:
    return Rate(rate, values, ("standard",))


def vat(*rates: Rate) -> Category:
    return Category("VAT", rates, VAT_KEYS)


def retained(code: str, *rates: Rate) -> Category:
    return Category(code, rates, retained=True)


def informative(code: str) -> Category:
    return Category(code, informative=True)


ES = Regime(
    "ES",
    "EUR",
    "Europe/Madrid",
    (
        vat(
            standard(
                "general",
                v("21.0%", "2012-09-01"),
                v("18.0%", "2010-07-01"),
                v("16.0%", "1995-01-01"),
                v("15.0%", "1993-01-01"),
            ),
            standard(
                "general+eqs", v("21.0%", "2012-09-01", "5.2%"), v("18.0%", "2010-07-01", "4.0%")
            ),
            standard(
                "reduced",
                v("10.0%", "2012-09-01"),
                v("8.0%", "2010-07-01"),
                v("7.0%", "1995-01-01"),
                v("6.0%", "1993-01-01"),
            ),
            standard(
                "reduced+eqs", v("10.0%", "2012-09-01", "1.4%"), v("8.0%", "2010-07-01", "1.0%")
            ),
            standard("super-reduced", v("4.0%", "1995-01-01"), v("3.0%", "1993-01-01")),
            standard("super-reduced+eqs", v("4.0%", "1995-01-01", "0.5%")),
        ),
        Category(
            "IGIC",
            (standard("general", v("7.0%")), standard("reduced", v("3.0%"))),
            VAT_KEYS,
        ),
        Category("IPSI"),
        retained(
            "IRPF",
            Rate(
                "pro",
                (
                    v("15.0%", "2015-07-12"),
                    v("19.0%", "2015-01-01"),
                    v("21.0%", "2012-09-01"),
                    v("15.0%", "2007-01-01"),
                ),
            ),
            Rate("pro-start", (v("7.0%", "2007-01-01"),)),
            Rate("capital", (v("19.0%", "2007-01-01"),)),
            Rate("modules", (v("1.0%", "2007-01-01"),)),
        ),
        retained("IRNR"),
    ),
)

PT = Regime(
    "PT",
    "EUR",
    "Europe/Lisbon",
    (
        vat(
            standard(
                "general",
                v("16.0%", "2011-01-01", pt_region="PT-AC"),
                v("22.0%", "2011-01-01", pt_region="PT-MA"),
                v("23.0%", "2011-01-01"),
            ),
            standard(
                "intermediate",
                v("9.0%", "2011-01-01", pt_region="PT-AC"),
                v("12.0%", "2011-01-01", pt_region="PT-MA"),
                v("13.0%", "2011-01-01"),
            ),
            standard(
                "reduced",
                v("4.0%", "2011-01-01", pt_region="PT-AC"),
                v("4.0%", "2024-10-01", pt_region="PT-MA"),
                v("5.0%", "2011-01-01", pt_region="PT-MA"),
                v("6.0%", "2011-01-01"),
            ),
            standard("other"),
        ),
        retained("IRS"),
        retained("IRC"),
    ),
    vat_region="pt-region",
)

FR = Regime(
    "FR",
    "EUR",
    "Europe/Paris",
    (
        vat(
            standard("general", v("20%", "2011-01-04")),
            standard("intermediate", v("10%", "2014-01-01")),
            standard("reduced", v("5.5%", "2014-01-01")),
            standard("super-reduced", v("2.1%", "2014-01-01")),
        ),
    ),
)

DE = Regime(
    "DE",
    "EUR",
    "Europe/Berlin",
    (
        vat(
            standard(
                "general",
                v("19%", "2021-01-01"),
                v("16%", "2020-07-01"),
                v("19%", "2007-01-01"),
                v("16%", "1998-04-01"),
                v("15%", "1993-01-01"),
            ),
            standard(
                "reduced", v("7%", "2021-01-01"), v("5%", "2020-07-01"), v("7%", "1983-07-01")
            ),
        ),
    ),
)

IT = Regime(
    "IT",
    "EUR",
    "Europe/Rome",
    (
        vat(
            standard("super-reduced", v("4.0%")),
            standard("reduced", v("5.0%")),
            standard("intermediate", v("10.0%")),
            standard("general", v("22.0%")),
        ),
        retained("IRPEF"),
        retained("IRES"),
        retained("INPS"),
        retained("ENASARCO"),
        retained("ENPAM"),
        retained("CP"),
    ),
    ext_renames={"it-sdi-retained-tax": "it-sdi-retained", "it-sdi-nature": "it-sdi-exempt"},
)

NL = Regime(
    "NL",
    "EUR",
    "Europe/Amsterdam",
    (vat(standard("general", v("21.0%")), standard("reduced", v("9.0%"))),),
)

GB = Regime(
    "GB",
    "GBP",
    "Europe/London",
    (
        vat(
            standard("general", v("20.0%", "2011-01-04")),
            standard("reduced", v("5.0%", "2011-01-04")),
        ),
    ),
)

# Sales tax varies by state and city: the percentage always comes with the document.
US = Regime("US", "USD", "America/Chicago", (Category("ST"),))

BE = Regime(
    "BE",
    "EUR",
    "Europe/Brussels",
    (
        vat(
            standard("general", v("21.0%", "2011-01-04")),
            standard("intermediate", v("12.0%", "2011-01-01")),
            standard("reduced", v("6.0%", "2011-01-04")),
        ),
    ),
)

DK = Regime("DK", "DKK", "Europe/Copenhagen", (vat(standard("general", v("25.0%", "1992-01-01"))),))

FI = Regime(
    "FI",
    "EUR",
    "Europe/Helsinki",
    (
        vat(
            standard("general", v("25.5%", "2024-09-01"), v("24.0%", "2013-01-01")),
            standard("reduced", v("13.5%", "2026-01-01"), v("14.0%", "2013-01-01")),
            standard("super-reduced", v("10.0%", "2013-01-01")),
        ),
    ),
)

IE = Regime(
    "IE",
    "EUR",
    "Europe/Dublin",
    (
        vat(
            standard("general", v("23.0%", "2012-01-01")),
            standard("reduced", v("13.5%", "2003-01-01")),
            standard("super-reduced", v("9.0%", "2011-01-01")),
            standard("special", v("4.8%", "2008-01-01")),
        ),
    ),
)

NO = Regime(
    "NO",
    "NOK",
    "Europe/Oslo",
    (
        vat(
            standard("general", v("25.0%")),
            standard("reduced", v("15.0%")),
            standard("super-reduced", v("12.0%")),
            standard("special", v("11.11%")),
        ),
    ),
)

SE = Regime(
    "SE",
    "SEK",
    "Europe/Stockholm",
    (
        vat(
            standard("general", v("25.0%", "1990-01-01")),
            standard("reduced", v("12.0%", "1996-01-01")),
            standard("super-reduced", v("6.0%", "1996-01-01")),
        ),
    ),
)

AE = Regime("AE", "AED", "Asia/Dubai", (vat(standard("general", v("5%", "2018-01-01"))),))

# Singapore's GST has no export or reverse-charge keys: zero-rated supplies cover them.
SG = Regime(
    "SG",
    "SGD",
    "Asia/Singapore",
    (
        Category(
            "GST",
            (
                standard(
                    "general",
                    v("9%", "2024-01-01"),
                    v("8%", "2023-01-01"),
                    v("7%", "2007-07-01"),
                    v("5%", "2004-01-01"),
                    v("4%", "2003-01-01"),
                    v("3%", "1994-04-01"),
                ),
            ),
            GST_KEYS,
        ),
    ),
)

PL = Regime(
    "PL",
    "PLN",
    "Europe/Warsaw",
    (
        vat(
            standard("general", v("23.0%", "2011-01-01"), v("22.0%", "1993-07-08")),
            standard("reduced", v("8.0%", "2011-01-01"), v("7.0%", "2000-09-04")),
            standard("super-reduced", v("5.0%", "2011-01-01"), v("3.0%", "2000-09-04")),
        ),
    ),
)

# Greece's tax country code is EL; its invoices (myDATA) add up rounded amounts.
EL = Regime(
    "EL",
    "EUR",
    "Europe/Athens",
    (
        vat(
            standard("general", v("24%")),
            standard("reduced", v("13%")),
            standard("super-reduced", v("6%")),
            standard("general+island", v("17%")),
            standard("reduced+island", v("9%")),
            standard("super-reduced+island", v("4%")),
        ),
    ),
    rounding="currency",
)

AR = Regime(
    "AR",
    "ARS",
    "America/Argentina/Buenos_Aires",
    (
        vat(
            standard("increased", v("27.0%", "1995-04-01")),
            standard("general", v("21.0%", "1995-04-01")),
            standard("reduced", v("10.5%", "1995-04-01")),
        ),
    ),
)

CO = Regime(
    "CO",
    "COP",
    "America/Bogota",
    (
        vat(
            standard("general", v("19.0%", "2017-01-01"), v("16.0%", "2006-01-01")),
            standard("reduced", v("5.0%", "2006-01-01")),
        ),
        Category("IC"),
        Category("ICA"),
        Category("INC"),
        retained("RVAT"),
        retained("RICA"),
        retained("RR"),
    ),
)

MX = Regime(
    "MX",
    "MXN",
    "America/Mexico_City",
    (
        vat(standard("general", v("16.0%")), standard("reduced", v("8.0%"))),
        retained("RVAT"),
        Category("IEPS"),
        retained("RIEPS"),
        retained("ISR"),
    ),
)

# Canada's provincial taxes (HST, PST) and India's GST parts come with their percentage.
CA = Regime(
    "CA",
    "CAD",
    "America/Toronto",
    (
        Category("GST", (Rate("zero", (v("0.0%"),)), Rate("general", (v("5%", "2022-01-01"),)))),
        Category("HST"),
        Category("PST"),
    ),
)

IN = Regime(
    "IN",
    "INR",
    "Asia/Kolkata",
    (Category("CGST"), Category("SGST"), Category("IGST"), Category("UTGST")),
)

AT = Regime(
    "AT",
    "EUR",
    "Europe/Vienna",
    (
        vat(
            standard("general", v("20.0%", "2011-01-04")),
            standard("intermediate", v("13.0%", "2011-01-01")),
            standard("reduced", v("10.0%", "2011-01-04")),
        ),
    ),
)

CH = Regime(
    "CH",
    "CHF",
    "Europe/Zurich",
    (
        vat(
            standard("general", v("8.1%", "2024-01-01")),
            standard("intermediate", v("3.8%", "2024-01-01")),
            standard("reduced", v("2.6%", "2024-01-01")),
        ),
    ),
)

SA = Regime(
    "SA",
    "SAR",
    "Asia/Riyadh",
    (vat(standard("general", v("15.0%", "2020-07-01"), v("5.0%", "2018-01-01"))),),
)

# Brazil's taxes come with their percentage; most are informative: stated on the invoice
# (NF-e, NFS-e) for the authority, already inside the prices.
BR = Regime(
    "BR",
    "BRL",
    "America/Sao_Paulo",
    (
        informative("ISS"),
        informative("ICMS"),
        Category("IPI"),
        informative("PIS"),
        retained("PISRet"),
        informative("COFINS"),
        retained("COFINSRet"),
        retained("CSLL"),
        retained("INSS"),
        retained("IRRF"),
        informative("IBS"),
        informative("CBS"),
    ),
)

EUROPE = (ES, PT, FR, DE, IT, NL, GB, BE, DK, FI, IE, NO, SE, PL, EL, AT, CH)
REGIMES = {r.country: r for r in (*EUROPE, US, CA, MX, CO, AR, BR, AE, SA, SG, IN)}
# A supplier in a country without a regime still invoices, as with GOBL: its currency must be
# given, and only VAT and GST have keys to check (GOBL's global categories); any other tax
# comes with its percentage and is taken as it is.
GLOBAL = Regime("", "", "UTC", (vat(), Category("GST", keys=GST_KEYS)))
# The tax country codes GOBL knows (ISO 3166, with EL for Greece, XI and XU for the UK's
# parts, and EU).
TAX_COUNTRY_CODES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN "
    "BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ "
    "DE DJ DK DM DO DZ EC EE EG EH EL ER ES ET EU FI FJ FK FM FO FR GA GB GD GE GF GG GH "
    "GI GL GM GN GP GQ GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE "
    "JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD "
    "ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO "
    "NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC "
    "SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN "
    "TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XI XU YE YT ZA ZM ZW"
)
TAX_COUNTRIES = frozenset(TAX_COUNTRY_CODES.split())

# GOBL accepts "UK" for Great Britain and "GR" (the ISO code) for Greece, whose tax code is EL.
ALIASES = {"UK": "GB", "GR": "EL"}
# Tax country codes that are not the ISO code of their country.
ISO_COUNTRIES = {"EL": "GR", "UK": "GB"}


def regime_for(country) -> Regime | None:
    if not isinstance(country, str):
        return None
    country = country.upper()
    return REGIMES.get(ALIASES.get(country, country))


def regime_or_global(country) -> Regime | None:
    """The country's regime, the global one for a country GOBL has none for, None for a
    code that is no country."""
    regime = regime_for(country)
    if regime is None and isinstance(country, str) and country.upper() in TAX_COUNTRIES:
        return GLOBAL
    return regime


# The currencies GOBL knows (its catalogue: ISO 4217 and a few others), by the decimals of
# their subunits, which are GOBL's: the forint has none there, though ISO gives it two.
CURRENCIES_BY_DECIMALS = {
    2: (
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP "
        "BYN BZD CAD CDF CHF CNH CNY COP CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
        "FKP GBP GEL GGP GHS GIP GMD GTQ GYD HKD HNL HTG IDR ILS IMP INR IRR JEP JMD KES KGS "
        "KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN "
        "NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK "
        "SGD SHP SKK SLE SLL SOS SRD SSP STD STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS "
        "UAH USD USDC UYU UZS VES WST XCD XFU YER ZAR ZMK ZMW"
    ),
    0: (
        "BIF BYR CLP DJF GNF HUF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XAG XAU XBA XBB XBC "
        "XBD XDR XOF XPD XPF XPT XTS"
    ),
    3: "BHD IQD JOD KWD LYD OMR TND",
    1: "GBX",  # pence sterling
    4: "CLF",
    5: "MGA MRU",
    8: "BCH BTC",
}
CURRENCY_DECIMALS = {
    code: places for places, codes in CURRENCIES_BY_DECIMALS.items() for code in codes.split()
}
KNOWN_CURRENCIES = frozenset(CURRENCY_DECIMALS)


def currency_decimals(code: str) -> int:
    return CURRENCY_DECIMALS.get(code, 2)
