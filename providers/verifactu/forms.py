"""The VERI*FACTU section of the Configuration page: who submits, where, with which
certificate. The certificate is opened once here, so that a wrong password is said at once
rather than by the first invoice that fails."""

from django import forms

from .client import CertificateError, describe
from .models import VerifactuConfig

MAX_CERTIFICATE_BYTES = 64 * 1024


class VerifactuConfigForm(forms.ModelForm):
    sandbox_url = forms.URLField(label="Sandbox endpoint", max_length=300, assume_scheme="https")
    production_url = forms.URLField(
        label="Production endpoint", max_length=300, assume_scheme="https"
    )
    certificate = forms.FileField(
        required=False, help_text="PKCS#12 (.p12 / .pfx); leave empty to keep the current one."
    )
    # Never rendered back, as the email connections' passwords.
    certificate_password = forms.CharField(required=False, strip=False, widget=forms.PasswordInput)
    remove_certificate = forms.BooleanField(required=False)

    class Meta:
        model = VerifactuConfig
        fields = ["issuer_nif", "issuer_name", "environment", "sandbox_url", "production_url"]

    def clean_issuer_nif(self) -> str:
        nif = self.cleaned_data["issuer_nif"].strip().upper()
        if len(nif) != 9 or not nif.isalnum():
            raise forms.ValidationError("A Spanish NIF has 9 letters and digits.")
        return nif

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("certificate")
        if upload:
            if upload.size > MAX_CERTIFICATE_BYTES:
                raise forms.ValidationError("That file is too large for a certificate.")
            data = upload.read()
            password = cleaned.get("certificate_password") or ""
            try:
                subject, expires = describe(data, password)
            except CertificateError as exc:
                raise forms.ValidationError(str(exc)) from None
            self.instance.set_certificate(data, password, subject=subject, expires=expires)
        elif cleaned.get("remove_certificate"):
            self.instance.clear_certificate()
        return cleaned
