"""PackRender gets a lease (a worker that dies is noticed within a minute) and is matched to
the data's version instead of the pack's HTML (so a click no longer builds the whole pack)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_pack_render"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="packrender", name="one_active_pack_render_per_content"
        ),
        migrations.RenameField(
            model_name="packrender", old_name="fingerprint", new_name="data_version"
        ),
        migrations.AddConstraint(
            model_name="packrender",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["queued", "running"])),
                fields=("meeting", "data_version"),
                name="one_active_pack_render_per_content",
            ),
        ),
        migrations.AddField(
            model_name="packrender",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="packrender",
            name="lease_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="packrender",
            name="leased_by",
            field=models.CharField(blank=True, help_text="host:pid of the worker.", max_length=100),
        ),
        migrations.AddIndex(
            model_name="packrender",
            index=models.Index(
                condition=models.Q(("status", "running")),
                fields=["lease_expires_at"],
                name="pack_render_running_lease",
            ),
        ),
        # Renders from before this change were matched by the HTML's hash, which no data
        # version equals: they will simply never be offered again. A job left running by the
        # old worker has no lease; fail it so that it does not block a new render for ever.
        migrations.RunSQL(
            "UPDATE reports_packrender SET status = 'failed', "
            "error = 'The worker stopped before the pack was finished.' "
            "WHERE status IN ('queued', 'running')",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
