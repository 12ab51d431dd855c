from django.contrib import admin

from .models import SiloEntry, SiloEntryVersion, SiloFile, SiloState


class SiloFileInline(admin.TabularInline):
    model = SiloFile
    extra = 0
    fields = ["name", "category", "mime", "size", "created_at"]
    readonly_fields = fields


class SiloStateInline(admin.TabularInline):
    model = SiloState
    extra = 0
    fields = ["key", "notes", "src", "created_at"]
    readonly_fields = fields


@admin.register(SiloEntry)
class SiloEntryAdmin(admin.ModelAdmin):
    list_display = ["id", "doc_type", "state", "folder", "workspace", "version", "created_at"]
    list_filter = ["doc_type", "state", "workspace"]
    search_fields = ["id", "key"]
    readonly_fields = ["doc_type", "snippet", "version"]
    inlines = [SiloFileInline, SiloStateInline]


@admin.register(SiloEntryVersion)
class SiloEntryVersionAdmin(admin.ModelAdmin):
    list_display = ["entry", "number", "job_id", "user", "created_at"]
    raw_id_fields = ["entry"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SiloFile)
class SiloFileAdmin(admin.ModelAdmin):
    list_display = ["name", "entry", "category", "mime", "size", "created_at"]
    raw_id_fields = ["entry"]


@admin.register(SiloState)
class SiloStateAdmin(admin.ModelAdmin):
    list_display = ["key", "entry", "src", "created_at"]
    raw_id_fields = ["entry"]
