from django.db import migrations, models


def seal_head(apps, schema_editor):
    """Seal the existing head with the chain key (made now if the log has none), so a log
    written before keyed hashes cannot later be rewritten in full without the key."""
    from commonground.audit.keys import chain_key, mac

    AuditHead = apps.get_model("audit", "AuditHead")
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or head.sequence == 0:
        return
    key = chain_key(create=True)
    head.mac = mac(key, f"{head.sequence}:{head.hash}".encode())
    head.save(update_fields=["mac"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_context_and_head"),
    ]

    operations = [
        migrations.AddField(
            model_name="audithead",
            name="mac",
            field=models.CharField(blank=True, max_length=64),
        ),
        # The default lives in Python only; altering it in the database would rebuild the
        # event table on SQLite and drop its append-only trigger.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="hash_format",
                    field=models.PositiveSmallIntegerField(default=3),
                ),
            ],
        ),
        migrations.RunPython(seal_head, migrations.RunPython.noop),
    ]
