from django.contrib import admin

from .models import Workflow, WorkflowVersion


class WorkflowVersionInline(admin.TabularInline):
    model = WorkflowVersion
    extra = 0
    can_delete = False
    fields = ["number", "hash", "created_at", "created_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "schema", "version", "draft", "disabled", "updated_at"]
    list_filter = ["schema", "draft", "disabled", "workspace"]
    search_fields = ["name", "id"]
    readonly_fields = ["hash", "version", "created_at", "updated_at"]
    inlines = [WorkflowVersionInline]


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(admin.ModelAdmin):
    list_display = ["workflow", "number", "hash", "created_at"]
    search_fields = ["workflow__name", "hash"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
