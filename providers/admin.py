from django.contrib import admin

from .models import SequenceEntry, Series, SigningKey


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "prefix", "padding", "start", "next_number", "updated_at"]
    list_filter = ["workspace"]
    search_fields = ["name", "prefix"]
    # next_number moves only under the row lock of sequence.reserve(); editing it by hand
    # could hand out a number twice.
    readonly_fields = ["next_number", "created_at", "updated_at"]


@admin.register(SequenceEntry)
class SequenceEntryAdmin(admin.ModelAdmin):
    list_display = ["code", "number", "series", "silo_entry_id", "job_id", "created_at"]
    list_filter = ["series__workspace"]
    search_fields = ["code", "silo_entry_id", "job_id"]
    raw_id_fields = ["series"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    # The private key is never shown: only the workspace, the key id and the public key.
    list_display = ["kid", "workspace", "created_at"]
    fields = ["workspace", "kid", "public_key", "created_at"]
    readonly_fields = fields
    search_fields = ["kid"]

    @admin.display(description="Public key (PEM)")
    def public_key(self, obj):
        from .sign import public_pem  # here: every process loads the admin (see registry.py)

        return public_pem(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
