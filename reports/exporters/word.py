"""Word (DOCX) documents with python-docx: A4 landscape, a running title and "Page N of M",
and tables whose header row repeats on every page, so a clerk can paste the table into a
committee report.

Cells arrive as the sanitised HTML the page and the PDF show (``rows.Cell.html``): the few
tags Markdown makes (``recommendations.markdown.ALLOWED_TAGS``) become Word paragraphs, runs
and lists. A numbered list is Word numbering that starts where the text's list starts ("4."
stays 4); a list whose items carry their own markers ("a)", "(b)") prints those markers and
no bullet. Every text is stripped of what XML cannot carry, so any user text makes a file
that opens."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from recommendations.markdown import TYPED_MARKERS_CLASS

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

FONT = "Arial"
FONT_SIZE = Pt(10)
TABLE_FONT_SIZE = Pt(9)
PAGE_WIDTH, PAGE_HEIGHT = Cm(29.7), Cm(21.0)  # A4 landscape
MARGIN = Cm(1.5)
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
HEADER_FILL = "E8ECF1"
GROUP_FILL = "F4F6F8"
LIST_INDENT = 360  # twentieths of a point per list level (a quarter inch)

# XML 1.0 cannot carry these (lxml refuses them): control characters but tab and line breaks,
# lone surrogates and the two non-characters.
_NOT_XML = re.compile("[\x00-\x08\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class GroupRow:
    """A row of a table that names the group of rows below it, across every column."""

    title: str


def xml_text(text: object) -> str:
    """Text Word can hold: Word's manual line break (vertical tab) is a line break; the rest
    of what XML cannot carry is dropped."""
    return _NOT_XML.sub("", "" if text is None else str(text).replace("\x0b", "\n"))


class WordDocument:
    """One document being written: A4 landscape, Arial, ``title`` in the page header and
    "Page N of M" in the footer."""

    def __init__(self, *, title: str, author: str = "") -> None:
        self.document = Document()
        self._next_num_id = 1000
        self._abstract: dict[str, str] = {}
        properties = self.document.core_properties
        properties.title = xml_text(title)[:255]
        properties.author = xml_text(author)[:255]
        style = self.document.styles["Normal"]
        style.font.name = FONT
        style.font.size = FONT_SIZE
        style.paragraph_format.space_after = Pt(3)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
        for name in ("Heading 1", "Heading 2", "Heading 3"):
            heading = self.document.styles[name]
            heading.font.name = FONT
            heading.font.color.rgb = RGBColor(0, 0, 0)
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, MARGIN)
        section.header_distance = section.footer_distance = Cm(0.7)
        section.header.paragraphs[0].add_run(" ".join(xml_text(title).split())[:200])
        footer = section.footer.paragraphs[0]
        footer.alignment = 2  # right
        footer.add_run("Page ")
        _field(footer, "PAGE")
        footer.add_run(" of ")
        _field(footer, "NUMPAGES")

    def heading(self, text: str, level: int = 1) -> None:
        self.document.add_heading(xml_text(text), level=level)

    def paragraph(self, text: str, *, bold: bool = False) -> None:
        paragraph = self.document.add_paragraph()
        _add_text(paragraph, xml_text(text), bold=bold)

    def html(self, markup: str) -> None:
        """Sanitised HTML (a template's output, or rendered Markdown) as paragraphs."""
        _HtmlToWord(self, self.document, fresh=None).feed_all(markup)

    def page_break(self) -> None:
        self.document.add_page_break()

    def table(
        self,
        headings: Sequence[str],
        rows: Iterable[Sequence[str] | GroupRow],
        *,
        widths: Sequence[float] = (),
        html: bool = True,
        header: bool = True,
    ) -> None:
        """A table filling the page's width (columns in ``widths``' proportions), its header
        row repeated on each page (none without ``header``: ``headings`` then only count the
        columns). Each cell is HTML (``html``) or plain text."""
        table = self.document.add_table(rows=1 if header else 0, cols=len(headings))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        given = list(widths)[: len(headings)]
        if len(given) != len(headings) or not sum(given):
            given = [1.0] * len(headings)
        column_widths = [int(TEXT_WIDTH * width / sum(given)) for width in given]
        for column, width in zip(table.columns, column_widths, strict=True):
            column.width = width
        if header:
            first = table.rows[0]
            _repeat_as_header(first)
            for cell, heading, width in zip(first.cells, headings, column_widths, strict=True):
                cell.width = width
                _shade(cell, HEADER_FILL)
                paragraph = cell.paragraphs[0]
                _add_text(paragraph, xml_text(heading), bold=True, size=TABLE_FONT_SIZE)
        for values in rows:
            cells = table.add_row().cells
            if isinstance(values, GroupRow):
                merged = cells[0].merge(cells[-1]) if len(cells) > 1 else cells[0]
                _shade(merged, GROUP_FILL)
                _add_text(merged.paragraphs[0], xml_text(values.title), bold=True)
                continue
            for cell, value, width in zip(cells, values, column_widths, strict=False):
                cell.width = width
                if html:
                    writer = _HtmlToWord(self, cell, fresh=cell.paragraphs[0], size=TABLE_FONT_SIZE)
                    writer.feed_all(str(value))
                else:
                    _add_text(cell.paragraphs[0], xml_text(value), size=TABLE_FONT_SIZE)
        # Space after the table, so a following table does not join it.
        self.document.add_paragraph()

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()

    # Numbering: one abstract definition per kind of list, one numbering instance per list,
    # so every list restarts, at the number its text starts at.
    def new_list(self, *, ordered: bool, level: int, start: int = 1) -> str:
        numbering = self.document.part.numbering_part.element
        kind = "decimal" if ordered else "bullet"
        if kind not in self._abstract:
            abstract_id = str(900 + len(self._abstract))
            first_num = numbering.find(qn("w:num"))
            abstract = _abstract_num(abstract_id, ordered=ordered)
            if first_num is not None:
                first_num.addprevious(abstract)  # the schema puts every abstractNum first
            else:
                numbering.append(abstract)
            self._abstract[kind] = abstract_id
        num_id = str(self._next_num_id)
        self._next_num_id += 1
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), num_id)
        abstract_ref = OxmlElement("w:abstractNumId")
        abstract_ref.set(qn("w:val"), self._abstract[kind])
        num.append(abstract_ref)
        override = OxmlElement("w:lvlOverride")
        override.set(qn("w:ilvl"), str(level))
        start_override = OxmlElement("w:startOverride")
        start_override.set(qn("w:val"), str(start))
        override.append(start_override)
        num.append(override)
        numbering.append(num)
        return num_id


_BULLETS = ("•", "◦", "▪")


def _abstract_num(abstract_id: str, *, ordered: bool):
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), abstract_id)
    multi = OxmlElement("w:multiLevelType")
    multi.set(qn("w:val"), "multilevel")
    abstract.append(multi)
    for level in range(9):
        lvl = OxmlElement("w:lvl")
        lvl.set(qn("w:ilvl"), str(level))
        for tag, value in (
            ("w:start", "1"),
            ("w:numFmt", "decimal" if ordered else "bullet"),
            ("w:lvlText", f"%{level + 1}." if ordered else _BULLETS[level % 3]),
            ("w:lvlJc", "left"),
        ):
            element = OxmlElement(tag)
            element.set(qn("w:val"), value)
            lvl.append(element)
        paragraph_properties = OxmlElement("w:pPr")
        indent = OxmlElement("w:ind")
        indent.set(qn("w:left"), str(LIST_INDENT * (level + 1)))
        indent.set(qn("w:hanging"), str(LIST_INDENT))
        paragraph_properties.append(indent)
        lvl.append(paragraph_properties)
        abstract.append(lvl)
    return abstract


def _field(paragraph, instruction: str) -> None:
    """A field Word (and LibreOffice) fills in: the page number, the number of pages."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, f" {instruction} "), ("separate", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    paragraph.add_run("1")
    end = paragraph.add_run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    end._r.append(char)


def _repeat_as_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _add_text(
    paragraph, text: str, *, bold=False, italic=False, underline=False, code=False, size=None
):
    """Runs for ``text``, a line break for each newline in it."""
    for index, line in enumerate(text.split("\n")):
        if index:
            paragraph.add_run().add_break()
        if not line:
            continue
        run = paragraph.add_run(line)
        run.bold = bold or None
        run.italic = italic or None
        run.underline = underline or None
        if code:
            run.font.name = "Courier New"
        if size is not None:
            run.font.size = size


def _set_indent(paragraph, left: int) -> None:
    properties = paragraph._p.get_or_add_pPr()
    indent = OxmlElement("w:ind")
    indent.set(qn("w:left"), str(left))
    properties.append(indent)


def _number(paragraph, num_id: str, level: int) -> None:
    properties = paragraph._p.get_or_add_pPr()
    numbering = OxmlElement("w:numPr")
    ilvl = OxmlElement("w:ilvl")
    ilvl.set(qn("w:val"), str(level))
    num = OxmlElement("w:numId")
    num.set(qn("w:val"), num_id)
    numbering.append(ilvl)
    numbering.append(num)
    properties.append(numbering)


_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr", "hr", "section"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _HtmlToWord(HTMLParser):
    """The sanitised HTML's paragraphs, lists and inline emphasis, written into a document or
    a table cell. Unknown tags are ignored (their text is kept)."""

    def __init__(self, writer: WordDocument, container, *, fresh, size=None) -> None:
        super().__init__(convert_charrefs=True)
        self.writer = writer
        self.container = container
        self.fresh = fresh  # the cell's own empty first paragraph, used before adding one
        self.size = size
        self.paragraph = None
        self.bold = self.italic = self.underline = 0
        self.pre = 0
        self.heading = False
        self.quote = 0
        self.lists: list[tuple[str, str | None]] = []  # (kind, numbering id)
        self.item_started = False  # the current list item already has its paragraph
        self.links: list[tuple[str, int]] = []
        self.cell_index = 0

    def feed_all(self, markup: str) -> None:
        self.feed(markup)
        self.close()

    def _new_paragraph(self):
        if self.fresh is not None:
            paragraph, self.fresh = self.fresh, None
        else:
            paragraph = self.container.add_paragraph()
        self.paragraph = paragraph
        return paragraph

    def _open_block(self) -> None:
        """A paragraph for what follows: the list item's numbered one first, then
        paragraphs indented under it."""
        paragraph = self._new_paragraph()
        level = len(self.lists) - 1
        if self.lists and not self.item_started:
            kind, num_id = self.lists[-1]
            if num_id is not None:
                _number(paragraph, num_id, level)
            else:  # typed markers: the text has its own, indented as a list is
                _set_indent(paragraph, LIST_INDENT * (level + 1))
            self.item_started = True
        elif self.lists:
            _set_indent(paragraph, LIST_INDENT * (level + 1))
        elif self.quote:
            _set_indent(paragraph, LIST_INDENT * self.quote)

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = dict(attrs)
        if tag in _BLOCKS:
            self.paragraph = None
            if tag in _HEADINGS:
                self.heading = True
            if tag == "pre":
                self.pre += 1
            if tag == "tr":
                self.cell_index = 0
        elif tag in ("td", "th"):
            if self.cell_index and self.paragraph is not None:
                self._text(" | ")
            self.cell_index += 1
        elif tag == "br":
            if self.paragraph is None:
                self._open_block()
            self.paragraph.add_run().add_break()
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "u":
            self.underline += 1
        elif tag == "blockquote":
            self.paragraph = None
            self.quote += 1
        elif tag in ("ol", "ul"):
            self.paragraph = None
            level = len(self.lists)
            if tag == "ul" and TYPED_MARKERS_CLASS in (attributes.get("class") or "").split():
                num_id = None
            else:
                start = _start(attributes.get("start")) if tag == "ol" else 1
                num_id = self.writer.new_list(ordered=tag == "ol", level=min(level, 8), start=start)
            self.lists.append((tag, num_id))
        elif tag == "li":
            self.paragraph = None
            self.item_started = False
        elif tag == "a":
            self.links.append((attributes.get("href") or "", self._length()))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.paragraph = None
            if tag in _HEADINGS:
                self.heading = False
            if tag == "pre":
                self.pre = max(self.pre - 1, 0)
        elif tag in ("strong", "b"):
            self.bold = max(self.bold - 1, 0)
        elif tag in ("em", "i"):
            self.italic = max(self.italic - 1, 0)
        elif tag == "u":
            self.underline = max(self.underline - 1, 0)
        elif tag == "blockquote":
            self.paragraph = None
            self.quote = max(self.quote - 1, 0)
        elif tag in ("ol", "ul"):
            self.paragraph = None
            if self.lists:
                self.lists.pop()
            self.item_started = True  # text after a nested list continues its item
        elif tag == "li":
            self.paragraph = None
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            # As the text exports do: the address in brackets, unless it is the text.
            if href and self.paragraph is not None and self._length() > start:
                shown = self.paragraph.text[start:] if start <= len(self.paragraph.text) else ""
                if href.removeprefix("mailto:") != shown.strip():
                    self._text(f" ({href})")

    def _length(self) -> int:
        return len(self.paragraph.text) if self.paragraph is not None else 0

    def handle_data(self, data: str) -> None:
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
            if self.paragraph is None:
                data = data.lstrip()
                if not data:
                    return
        self._text(data)

    def _text(self, text: str) -> None:
        if self.paragraph is None:
            self._open_block()
        _add_text(
            self.paragraph,
            xml_text(text),
            bold=bool(self.bold) or self.heading,
            italic=bool(self.italic),
            underline=bool(self.underline),
            code=bool(self.pre),
            size=self.size,
        )


def _start(value: str | None) -> int:
    try:
        return max(int(value or 1), 0)
    except ValueError:
        return 1
