"""Files that are not a safe table get a clear message, never a crash or a partial import."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from recommendations.importing.readers import read_tables
from recommendations.models import Review
from tests.recommendations.importing.tables import as_csv, as_docx, as_xlsx

TABLE = [["Recommendation", "Response"], ["1. Do it.", "Agreed."]]


def _refusal(content: bytes, name: str) -> str:
    with pytest.raises(ValidationError) as raised:
        read_tables(content, name)
    return " ".join(raised.value.message_dict["file"])


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_word_file_without_a_table_is_refused():
    document = docx.Document()
    document.add_paragraph("Minutes of the meeting.")
    out = io.BytesIO()
    document.save(out)
    assert "No table was found" in _refusal(out.getvalue(), "minutes.docx")


def test_a_table_with_only_headings_or_one_column_is_not_a_table():
    assert "No table was found" in _refusal(as_xlsx([["Recommendation", "Response"]]), "a.xlsx")
    assert "No table was found" in _refusal(as_csv([["Recommendation"], ["1. Do it."]]), "a.csv")


@pytest.mark.parametrize(
    "content, name, words",
    [
        (b"%PDF-1.4\n%\xe2\xe3\n1 0 obj", "table.pdf", "a PDF"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "table.xlsx", "PNG"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "t.csv", "web page"),
        (b"", "empty.csv", "empty"),
    ],
)
def test_a_file_of_the_wrong_type_is_refused_by_its_content(content, name, words):
    message = _refusal(content, name)
    assert words.lower() in message.lower() and "Word (.docx), Excel (.xlsx) or CSV" in message


def test_a_password_protected_or_old_style_office_file_is_refused():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    assert "password-protected" in _refusal(ole, "tracker.xlsx")
    assert "password-protected" in _refusal(ole, "tracker.docx")


def test_a_damaged_office_file_is_refused():
    content = as_docx(TABLE)
    assert "damaged" in _refusal(content[: len(content) // 2], "cut.docx")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * 2_000_000})
    assert "unpack" in _refusal(bomb, "bomb.docx") or "not an ordinary" in _refusal(
        bomb, "bomb.docx"
    )
    ratio_bomb = _zip({"xl/huge.xml": b"\0" * 900_000})  # within the size, not the ratio
    assert "not an ordinary" in _refusal(ratio_bomb, "ratio.xlsx")


def test_a_zip_of_too_many_parts_is_refused(settings):
    settings.IMPORT_MAX_ZIP_MEMBERS = 10
    many = _zip({f"part{n}.xml": b"<x/>" for n in range(11)}, zipfile.ZIP_STORED)
    assert "11 parts" in _refusal(many, "many.xlsx")


def test_a_huge_file_or_table_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 2000
    assert "up to 1 KB" in _refusal(b"a,b\n" * 1000, "big.csv")
    settings.IMPORT_MAX_BYTES = 10 * 1024 * 1024
    settings.IMPORT_MAX_ROWS = 5
    rows = [["Recommendation", "Response"]] + [[f"{n}. Do it.", "Yes"] for n in range(6)]
    for content, name in [
        (as_csv(rows), "t.csv"),
        (as_xlsx(rows), "t.xlsx"),
        (as_docx(rows), "t.docx"),
    ]:
        assert "at most 5" in _refusal(content, name)


def test_merged_cells_are_read_into_their_first_cell_and_noted():
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for cell, text in zip(
        table.rows[0].cells, ["Recommendation", "Response", "Update"], strict=True
    ):
        cell.text = text
    table.rows[1].cells[0].text = "1. Do it."
    merged = table.rows[1].cells[1].merge(table.rows[1].cells[2])
    merged.text = "Agreed, and done."
    table.rows[2].cells[0].text = "2. Do more."
    out = io.BytesIO()
    document.save(out)
    _, (read,) = read_tables(out.getvalue(), "merged.docx")
    assert read.rows[1] == ["1. Do it.", "Agreed, and done.", ""]
    assert read.notes == [
        "Row 2 has cells merged across columns: their text is read into the first of them."
    ]


def test_the_command_says_what_is_wrong_and_saves_nothing(demo_data, tmp_path):
    path = tmp_path / "minutes.pdf"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj")
    with pytest.raises(CommandError, match="PDF"):
        call_command("import_appendix", str(path), "--review", "x", "--new", "--committee", "x")
    path = tmp_path / "rows.csv"
    path.write_bytes(as_csv([*TABLE, ["2.", ""]]))  # a row without text
    with pytest.raises(CommandError, match="1 row"):
        call_command(
            "import_appendix", str(path), "--review", "new-one", "--new",
            "--committee", "people-scrutiny",
        )  # fmt: skip
    assert not Review.objects.filter(slug="new-one").exists()


def test_the_command_maps_headings_by_hand_and_dry_runs(demo_data, tmp_path, capsys):
    path = tmp_path / "rows.csv"
    path.write_bytes(as_csv([["What we said", "Their answer"], ["1. Do it.", "Agreed."]]))
    call_command(
        "import_appendix", str(path), "--review", "new-one", "--new",
        "--committee", "people-scrutiny", "--map", "What we said=recommendation",
        "--map", "Their answer=response", "--dry-run",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "'Their answer' -> Response" in out and "Dry run" in out
    assert not Review.objects.filter(slug="new-one").exists()
    with pytest.raises(CommandError, match="No column is headed"):
        call_command(
            "import_appendix", str(path), "--review", "new-one", "--new",
            "--committee", "people-scrutiny", "--map", "Nothing=response",
        )  # fmt: skip
