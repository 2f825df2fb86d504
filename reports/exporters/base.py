"""pretix's ``ListExporter``: an export names itself (``identifier``, ``verbose_name``) and
yields its rows (``iterate_list``: the header, then lists of plain text, ``None`` for an empty
cell); every format is written from those rows, so the formats cannot drift apart. The
writers in ``formats`` make every cell safe (formulas, sheet names, empty cells).

A new export is one subclass. A new format is one ``render_<format>`` method returning
``(content_type, bytes)``: ``formats()`` finds it and ``render`` dispatches to it."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from reports.exporters import formats


class UnknownFormat(ValueError):
    pass


class ListExporter:
    identifier: str = ""
    verbose_name: str = ""
    # The XLSX sheet's title and column widths (in the layout's units).
    sheet_title: str = ""
    column_widths: Sequence[int] = ()

    @property
    def filename(self) -> str:
        """The download's name without its extension."""
        return self.identifier

    def iterate_list(self) -> Iterable[Sequence[str | None]]:
        raise NotImplementedError

    def preamble(self) -> list[Sequence[str]]:
        """Rows printed above the table (an appendix's header block: a label and its value
        per row), then a blank row; none by default."""
        return []

    @classmethod
    def formats(cls) -> list[str]:
        return sorted(
            name.removeprefix("render_")
            for name in dir(cls)
            if name.startswith("render_") and callable(getattr(cls, name))
        )

    def render(self, format: str) -> tuple[str, str, bytes]:
        """(filename, content type, content) of this export in ``format``."""
        if format not in self.formats():
            raise UnknownFormat(
                f"The {self.identifier} export has no {format!r} format "
                f"(it has {', '.join(self.formats())})."
            )
        content_type, content = getattr(self, f"render_{format}")()
        return f"{self.filename}.{format}", content_type, content

    def render_csv(self) -> tuple[str, bytes]:
        preamble = self.preamble()
        rows = self.iterate_list()
        return formats.CSV_CONTENT_TYPE, formats.to_csv(
            itertools.chain(preamble, [[]], rows) if preamble else rows
        )

    def render_xlsx(self) -> tuple[str, bytes]:
        content = formats.to_xlsx(
            self.iterate_list(),
            title=self.sheet_title,
            widths=self.column_widths,
            preamble=self.preamble(),
        )
        return formats.XLSX_CONTENT_TYPE, content
