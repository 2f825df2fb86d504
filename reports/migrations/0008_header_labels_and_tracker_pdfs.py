from django.db import migrations, models

# Header fields were stored as bare keys ("committee"); each is now {"field", "label"}, a blank
# label being the field's own, as a column's blank heading is.
MODELS = (
    "AppendixSettings",
    "HistoricalAppendixSettings",
    "ReportAppendixSettings",
    "HistoricalReportAppendixSettings",
)


def _convert(apps, change):
    for name in MODELS:
        model = apps.get_model("reports", name)
        for row in model.objects.all().iterator():
            # A plain save on the historical model's row, not the tracked one's: no new history.
            row.header = [change(entry) for entry in row.header or []]
            row.save(update_fields=["header"])


def keys_to_entries(apps, schema_editor):
    _convert(apps, lambda entry: {"field": entry, "label": ""} if isinstance(entry, str) else entry)


def entries_to_keys(apps, schema_editor):
    _convert(apps, lambda entry: entry.get("field") if isinstance(entry, dict) else entry)


class Migration(migrations.Migration):
    dependencies = [("reports", "0007_layouts_built_from_fields")]

    operations = [
        migrations.RunPython(keys_to_entries, entries_to_keys),
        # A large tracker across reviews, made by the worker: the query it is built from.
        migrations.AddField(
            model_name="storedpdf",
            name="tracker_query",
            field=models.TextField(blank=True),
        ),
    ]
