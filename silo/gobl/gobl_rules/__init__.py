"""GOBL's validation rules: the codes and messages `gobl build` reports (GOBL-BILL-INVOICE-06,
GOBL-ES-VERIFACTU-TAX-COMBO-01, ...), at the JSON pointer of the field, on any document.

`check_rules()` runs once a document is built (GOBL validates after calculating): the sets
of GOBL's own packages always, a regime's when the document is in that regime, an add-on's
when it is in `$addons`. A fault reads `[CODE] message`, as GOBL prints it.
"""

from .engine import check_document as check_rules

__all__ = ["check_rules"]
