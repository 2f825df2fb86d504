"""The reports app's part of an import: the appendix prints in the source table's columns.

Until layouts are stored per review, that is the preset whose columns are closest to the
source's, with the source's headings as its renamed headings. One function, so a stored
layout can take its place."""

from __future__ import annotations

from recommendations.models import Review
from reports.layouts import COLUMN_KEYS, LAYOUTS
from reports.services import appendix_settings_set


def closest_layout(fields: list[str]) -> str:
    """The preset sharing the most columns with the source, in the source's order first."""
    wanted = [name for name in fields if name in COLUMN_KEYS]

    def score(key: str) -> tuple[int, int, int]:
        keys = LAYOUTS[key].keys
        shared = len(set(wanted) & set(keys))
        extra = len(set(keys) - set(wanted))
        in_order = int(
            [name for name in wanted if name in keys] == [k for k in keys if k in wanted]
        )
        return (shared, -extra, in_order)

    return max(LAYOUTS, key=score)


def apply_imported_layout(*, review: Review, columns: list[tuple[str, str]], **kwargs) -> None:
    fields = [name for name, _ in columns]
    layout = closest_layout(fields)
    keys = LAYOUTS[layout].keys
    headings = {name: heading for name, heading in columns if name in keys and heading}
    appendix_settings_set(review=review, layout=layout, headings=headings, expected_version=None)
