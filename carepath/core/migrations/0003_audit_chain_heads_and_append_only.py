"""Create the two audit chains' heads, and on PostgreSQL make the event tables refuse UPDATE and
DELETE at the database itself, so not even a direct SQL session can rewrite history unseen."""

from django.db import migrations

TABLES = ["core_accessevent", "core_changeevent"]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION carepath_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'carepath audit events are append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def create_heads(apps, schema_editor):
    head = apps.get_model("core", "AuditChainHead")
    for name in ("access", "change"):
        head.objects.get_or_create(name=name)


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(PG_FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION carepath_refuse_audit_change();"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION carepath_refuse_audit_change();"
        )


def remove_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [
        migrations.RunPython(create_heads, migrations.RunPython.noop),
        migrations.RunPython(add_triggers, remove_triggers),
    ]
