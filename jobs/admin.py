from django.contrib import admin

from .models import Intent, IntentEvent, Job


class IntentInline(admin.TabularInline):
    model = Intent
    extra = 0
    fields = ["step_id", "name", "provider", "completed", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "workflow", "status", "workspace", "created_at", "completed_at"]
    list_filter = ["status", "workspace"]
    search_fields = ["id", "key"]
    raw_id_fields = ["workflow", "workflow_version", "silo_entry"]
    inlines = [IntentInline]


class IntentEventInline(admin.TabularInline):
    model = IntentEvent
    extra = 0
    fields = ["index", "status", "code", "message", "at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Intent)
class IntentAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "job", "completed", "created_at"]
    raw_id_fields = ["job"]
    inlines = [IntentEventInline]
