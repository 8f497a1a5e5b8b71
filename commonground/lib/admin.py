from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through actions (and so are always audited)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """For configuration kept by administrators (deadline rules, the discipline ladder): every
    change is written to the audit log."""

    def save_model(self, request, obj, form, change):
        from commonground.audit.actions import record

        super().save_model(request, obj, form, change)
        record(
            actor=request.user,
            action="config.change" if change else "config.add",
            target=obj,
            data={field: str(form.cleaned_data.get(field)) for field in form.changed_data},
        )

    def delete_model(self, request, obj):
        from commonground.audit.actions import record

        record(actor=request.user, action="config.delete", target=obj, data={"was": str(obj)})
        super().delete_model(request, obj)


class ReadOnlyInline(admin.TabularInline):
    """Rows written only by actions (votes, custody events, a release's files), shown under
    their parent: every listed field read-only, none added or deleted."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False
