from __future__ import annotations

from collections.abc import Iterable, Sequence

from reports.exporters.base import ListExporter
from reports.tables import RecommendationTable


class RecommendationListExporter(ListExporter):
    """The cross-review table as filtered and sorted, every page of it, from the table's own
    values (so the download has the columns the page shows)."""

    identifier = "recommendations"
    verbose_name = "Recommendations across reviews"
    sheet_title = "Recommendations"

    def __init__(self, table: RecommendationTable) -> None:
        self.table = table

    def iterate_list(self) -> Iterable[Sequence[str | None]]:
        return self.table.as_values()
