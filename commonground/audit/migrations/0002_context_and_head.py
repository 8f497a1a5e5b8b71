from django.db import migrations, models

# The database itself refuses to change or remove an audit event, whatever the application
# does. PostgreSQL: UPDATE and DELETE (TRUNCATE, which only the owner may run, stays possible
# for test databases). SQLite: UPDATE (DELETE stays for the test runner's flush).
POSTGRESQL_FORWARD = """
CREATE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();
"""
POSTGRESQL_BACKWARD = """
DROP TRIGGER audit_event_append_only ON audit_auditevent;
DROP FUNCTION audit_event_is_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER audit_event_append_only;"


def protect(apps, schema_editor):
    forward = {"postgresql": POSTGRESQL_FORWARD, "sqlite": SQLITE_FORWARD}
    if schema_editor.connection.vendor in forward:
        schema_editor.execute(forward[schema_editor.connection.vendor], params=None)


def unprotect(apps, schema_editor):
    backward = {"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD}
    if schema_editor.connection.vendor in backward:
        schema_editor.execute(backward[schema_editor.connection.vendor], params=None)


def create_head(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditHead = apps.get_model("audit", "AuditHead")
    last = AuditEvent.objects.order_by("-sequence").first()
    if last:
        AuditHead.objects.create(pk=1, sequence=last.sequence, hash=last.hash)
    else:
        AuditHead.objects.create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(default="0" * 64, max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name="auditevent",
            name="address",
            field=models.GenericIPAddressField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="outcome",
            field=models.CharField(
                choices=[("success", "Success"), ("failure", "Failure"), ("denied", "Denied")],
                default="success",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="source",
            field=models.CharField(
                choices=[("web", "Web page"), ("api", "API"), ("command", "Command"), ("system", "System")],
                default="system",
                max_length=10,
            ),
        ),
        # Events already written keep the hash format they were written with.
        migrations.AddField(
            model_name="auditevent",
            name="hash_format",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash_format",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(protect, unprotect),
    ]
