"""Where each recommendation stands, stored (``models.Standing``): filled for the
recommendations already recorded by the service that keeps it (``services.standing_refresh``,
from ``monitoring.with_progress``), 500 recommendations at a time."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor) -> None:
    from recommendations import services  # noqa: PLC0415

    updates = apps.get_model("recommendations", "ProgressUpdate")
    ids = updates.objects.order_by("recommendation_id").values_list("recommendation_id", flat=True)
    services.standing_refresh(recommendations=ids.distinct().iterator(chunk_size=2000))


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0023_review_unpublished_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="Standing",
            fields=[
                (
                    "recommendation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="standing",
                        serialize=False,
                        to="recommendations.recommendation",
                    ),
                ),
                (
                    "latest_status",
                    models.CharField(
                        choices=[
                            ("not_started", "Not started"),
                            ("in_progress", "In progress"),
                            ("implemented", "Implemented"),
                            ("not_implemented", "Not implemented"),
                            ("superseded", "Superseded"),
                            ("not_stated", "Status not stated"),
                        ],
                        max_length=20,
                    ),
                ),
                ("overdue_after", models.DateField(null=True)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["latest_status"], name="standing_status"),
                    models.Index(fields=["overdue_after"], name="standing_overdue_after"),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
