"""GIN indexes for the full-text search of /recommendations/ (PostgreSQL only).

The expressions match reports.filters exactly (SearchVector("text", config="english")), so
the planner can use them. SQLite has no GIN indexes; its search is a substring match.
"""

from django.db import migrations

TABLES = ["recommendation", "response", "progressupdate"]


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS recommendations_{table}_text_fts "
            f"ON recommendations_{table} "
            f"USING gin (to_tsvector('english'::regconfig, COALESCE(text, ''::text)))"
        )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS recommendations_{table}_text_fts")


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0003_monitoring")]

    operations = [migrations.RunPython(create, drop)]
