"""One stored search document per recommendation (recommendations.search), filled for the
recommendations already recorded. On PostgreSQL its vector gets a GIN index, and the three
per-table indexes of migration 0004, which the search no longer reads, are dropped (every
write paid for them)."""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

OLD_TABLES = ["recommendation", "response", "progressupdate"]


def fill(apps, schema_editor) -> None:
    from recommendations import search  # noqa: PLC0415

    search.refresh_all(registry=apps)


def create_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in ("vector", "public_vector"):
        schema_editor.execute(
            f"CREATE INDEX recommendations_search_{column} "
            f"ON recommendations_recommendationsearch USING gin ({column})"
        )
    for table in OLD_TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS recommendations_{table}_text_fts")


def drop_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in ("vector", "public_vector"):
        schema_editor.execute(f"DROP INDEX IF EXISTS recommendations_search_{column}")
    for table in OLD_TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS recommendations_{table}_text_fts "
            f"ON recommendations_{table} "
            f"USING gin (to_tsvector('english'::regconfig, COALESCE(text, ''::text)))"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0016_recommendation_priority"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecommendationSearch",
            fields=[
                (
                    "recommendation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="recommendations.recommendation",
                    ),
                ),
                ("document", models.TextField(blank=True)),
                (
                    "vector",
                    django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
                ),
                ("public_document", models.TextField(blank=True)),
                (
                    "public_vector",
                    django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
                ),
            ],
        ),
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
