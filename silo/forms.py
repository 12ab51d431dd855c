"""The console's "New entry" form: a GOBL document or envelope, pasted or uploaded.

It is checked exactly as the API checks a posted entry (api_views.validated with the API's
EntryCreateSerializer), so both refuse the same things with the same JSON pointers.
"""

from django import forms
from django.conf import settings
from rest_framework.exceptions import ValidationError

from invopop_console import api, json_input

from .api_views import validated
from .serializers import EntryCreateSerializer


class EntryForm(forms.Form):
    document = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "code"}),
    )
    upload = forms.FileField(required=False, widget=forms.FileInput(attrs={"accept": ".json"}))
    folder = forms.CharField(required=False)
    key = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # [(JSON pointer into the document, message)]: shown as a list, pointer first.
        self.problems: list[tuple[str, str]] = []

    def clean(self):
        text = self.document_text()
        if text is None:
            return self.cleaned_data
        try:
            data = json_input.parse(text)
        except json_input.NotJson as exc:
            self.refuse("/", f"is not JSON: {exc}")
            return self.cleaned_data
        except json_input.BadJson as exc:  # pointers into the document itself
            for pointer, message in exc.problems.items():
                self.refuse(pointer, message)
            return self.cleaned_data
        body = {
            "data": data,
            "key": self.cleaned_data.get("key", ""),
            "folder": self.cleaned_data.get("folder", ""),
        }
        try:
            self.cleaned_data["fields"] = validated(EntryCreateSerializer, body)
        except api.ApiError as exc:  # what cannot be stored at all (NUL, nesting)
            self.report_all(exc.fields)
        except ValidationError as exc:  # the serializer's: the API's handler does the same
            self.report_all(api.pointers(exc.detail))
        return self.cleaned_data

    def document_text(self) -> str | None:
        """The pasted text or the uploaded file's; an upload replaces the text box's content,
        so that a refused file can be corrected right there."""
        upload = self.cleaned_data.get("upload")
        if upload is not None:
            if upload.size > settings.API_MAX_BODY_BYTES:
                return self.refuse("/", f"the file is larger than {settings.API_MAX_BODY_BYTES} B")
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                return self.refuse("/", "the file is not UTF-8 text")
            self.data = self.data.copy()
            self.data["document"] = text
            return text
        text = self.cleaned_data.get("document", "")
        if not text.strip():
            return self.refuse("/", "paste a GOBL document or envelope, or choose a .json file")
        return text

    def report_all(self, problems: dict[str, str]) -> None:
        for pointer, message in problems.items():
            self.report(pointer, message)

    def report(self, pointer: str, message: str) -> None:
        """An API problem: `/data/...` is inside the document, `/key` and `/folder` are
        this form's fields."""
        if pointer == "/data" or pointer.startswith("/data/"):
            self.refuse(pointer.removeprefix("/data") or "/", message)
        elif pointer.lstrip("/") in ("key", "folder"):
            self.add_error(pointer.lstrip("/"), message)
        else:
            self.refuse(pointer or "/", message)

    def refuse(self, pointer: str, message: str) -> None:
        self.problems.append((pointer, message))
        self.add_error(None, f"{pointer}: {message}")
