"""Peppol's identifiers: participants (ISO 6523 schemes), document types and processes.

A participant is `iso6523-actorid-upis::<scheme>:<code>`, the scheme a four-digit ICD
(0208 Belgian enterprise number, 9920 Spanish VAT…); GOBL keeps it as the party's inbox
`{"key": "peppol", "scheme": "0208", "code": "0403019261"}`. Codes are compared lower-case,
as SMPs do. A party without that inbox gets one derived from its tax ID, in the scheme its
country uses by default (Invopop's rule too: "derived from VAT numbers").

A document type is `busdox-docid-qns::<root namespace>::<root name>##<customization>::<version>`
and its process `cenbii-procid-ubl::<profile>`; Invopop's registration names them by group
(`doc_groups`: "ubl-invoice").
"""

from dataclasses import dataclass

PARTICIPANT_SCHEME = "iso6523-actorid-upis"
DOCTYPE_SCHEME = "busdox-docid-qns"
PROCESS_SCHEME = "cenbii-procid-ubl"
TRANSPORT_AS4 = "peppol-transport-as4-v2_0"
BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
EN16931 = "urn:cen.eu:en16931:2017"
BIS_BILLING = f"{EN16931}#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
FRANCE_PROCESS = "urn:peppol:france:billing:regulated"
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"

# The ICD each country's tax ID is registered under by default (Peppol's code list, "EAS").
TAX_ID_SCHEMES = {
    "AT": "9914",
    "BE": "0208",  # the enterprise number: the VAT number's digits
    "DE": "9930",
    "DK": "0184",
    "ES": "9920",
    "FI": "0216",
    "FR": "9957",
    "GB": "9932",
    "IE": "9935",
    "IT": "0211",
    "LU": "9938",
    "NL": "9944",
    "NO": "0192",
    "PL": "9945",
    "PT": "9946",
    "SE": "0007",
}
PREFIXED = {"9914", "9920", "9930", "9932", "9935", "9938", "9944", "9945", "9946", "9957", "0211"}


@dataclass(frozen=True)
class DocumentType:
    syntax: str  # "UBL" or "CII": the code peppol.import answers, for the next block to match
    namespace: str
    root: str
    version: str  # UBL 2.1, CII D16B

    def identifier(self, customization: str = BIS_BILLING) -> str:
        return f"{self.namespace}::{self.root}##{customization}::{self.version}"


INVOICE = DocumentType("UBL", UBL_INVOICE, "Invoice", "2.1")
CREDIT_NOTE = DocumentType("UBL", UBL_CREDIT_NOTE, "CreditNote", "2.1")
CII_INVOICE = DocumentType("CII", CII, "CrossIndustryInvoice", "D16B")
DOCUMENT_TYPES = (INVOICE, CREDIT_NOTE, CII_INVOICE)


@dataclass(frozen=True)
class Service:
    """A document type as a participant receives it: under a customization, in a process."""

    document: DocumentType
    customization: str = BIS_BILLING
    process: str = BILLING_PROCESS

    @property
    def identifier(self) -> str:
        return self.document.identifier(self.customization)


# Invopop's doc_groups: what a registered participant receives. "france": the French
# e-invoicing reform's regulated billing (EN 16931 in UBL or CII), which runs over Peppol.
DOC_GROUPS = {
    "ubl-invoice": (Service(INVOICE), Service(CREDIT_NOTE)),
    "cii-invoice": (Service(CII_INVOICE),),
    "france": tuple(Service(d, EN16931, FRANCE_PROCESS) for d in DOCUMENT_TYPES),
}
VISIBILITIES = ("smp", "smp+sml", "smp+sml+peppol")


def document_type_of(namespace: str, root: str) -> DocumentType | None:
    return next((d for d in DOCUMENT_TYPES if (d.namespace, d.root) == (namespace, root)), None)


def participant(scheme: str, code: str) -> str:
    """The participant's value, `scheme:code`, as SMPs compare it."""
    return f"{scheme.strip()}:{code.strip()}".lower()


def qualified(value: str) -> str:
    return f"{PARTICIPANT_SCHEME}::{value}"


def unqualified(identifier: str) -> str:
    return identifier.split("::", 1)[1] if "::" in identifier else identifier


def valid(value: str) -> bool:
    scheme, _, code = value.partition(":")
    return len(scheme) == 4 and scheme.isdigit() and 0 < len(code) <= 50


def inbox_of(party: dict | None) -> str | None:
    """The party's Peppol participant from its `peppol` inbox, else None."""
    for inbox in (party or {}).get("inboxes") or []:
        if isinstance(inbox, dict) and inbox.get("key") == "peppol":
            scheme, code = str(inbox.get("scheme") or ""), str(inbox.get("code") or "")
            if scheme and code:
                return participant(scheme, code)
    return None


def derived(party: dict | None) -> str | None:
    """A participant from the party's tax ID, in its country's default scheme, else None."""
    tax_id = (party or {}).get("tax_id") or {}
    country, code = str(tax_id.get("country") or "").upper(), str(tax_id.get("code") or "")
    scheme = TAX_ID_SCHEMES.get(country)
    if not scheme or not code:
        return None
    return participant(scheme, f"{country}{code}" if scheme in PREFIXED else code)


def participant_of(party: dict | None) -> str | None:
    return inbox_of(party) or derived(party)


def inbox(value: str) -> dict:
    """The GOBL inbox of a participant value."""
    scheme, _, code = value.partition(":")
    return {"key": "peppol", "scheme": scheme, "code": code.upper()}
