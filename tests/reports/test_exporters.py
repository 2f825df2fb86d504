"""Exports in pretix's shape: a new format is one method, a new export one class."""

import pytest

from reports import rows
from reports.exporters.appendix import AppendixExporter
from reports.exporters.base import ListExporter, UnknownFormat
from reports.exporters.formats import CSV_CONTENT_TYPE, to_csv
from tests.reports.conftest import HACKNEY


class Fruit(ListExporter):
    identifier = "fruit"
    verbose_name = "Fruit"

    def iterate_list(self):
        yield ["Name", "Count"]
        yield ["Apples", "=3"]


def test_a_new_export_is_one_class():
    assert Fruit.formats() == ["csv", "xlsx"]
    filename, content_type, content = Fruit().render("csv")
    assert (filename, content_type) == ("fruit.csv", CSV_CONTENT_TYPE)
    assert content == to_csv([["Name", "Count"], ["Apples", "=3"]])
    assert content.decode("utf-8-sig").splitlines()[1] == "Apples,'=3"  # formulas neutralised
    assert Fruit().render("xlsx")[0] == "fruit.xlsx"


def test_a_new_format_is_one_method():
    class FruitText(Fruit):
        def render_txt(self) -> tuple[str, bytes]:
            return "text/plain", "\n".join("\t".join(row) for row in self.iterate_list()).encode()

    assert FruitText.formats() == ["csv", "txt", "xlsx"]
    assert FruitText().render("txt") == ("fruit.txt", "text/plain", b"Name\tCount\nApples\t=3")


@pytest.mark.parametrize("format", ["docx", "", "_csv", "pdf"])
def test_the_base_refuses_an_unknown_format_with_a_clear_error(format):
    with pytest.raises(
        UnknownFormat, match=rf"The fruit export has no '{format}' format \(it has csv, xlsx\)"
    ):
        Fruit().render(format)


@pytest.mark.django_db
def test_the_appendix_exporter_writes_what_the_download_serves(clerk_client, layouts):
    exporter = AppendixExporter(rows.appendix(HACKNEY))
    for format in ("csv", "xlsx"):
        filename, content_type, content = exporter.render(format)
        response = clerk_client.get(f"/reviews/{HACKNEY}/appendix.{format}")
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
        if format == "csv":  # XLSX files carry the time they were written
            assert response.content == content
