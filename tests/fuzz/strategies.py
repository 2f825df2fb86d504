"""Hostile values for forms and query strings, and how to send and check them.

A submission is a list of ``(key, value)`` pairs, so a key can be missing or repeated. Values
are ``str`` and may hold lone surrogates: they are sent as UTF-8 with ``surrogatepass`` and
percent-encoded, which is how a broken client would send them; Django decodes invalid UTF-8
with ``errors="replace"`` (U+FFFD), and ``decoded()`` mirrors that.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import quote_plus

from django import forms
from django.db import transaction
from hypothesis import strategies as st

from recommendations.models import LONG_TEXT_MAX

Pairs = list[tuple[str, str]]

TODAY = dt.date.today()

NASTY_TEXT = [
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=\"alert('xss-2')\">",
    "\"><svg onload=alert('xss-3')>",
    "[click](javascript:alert('xss-4'))",
    "<a href=\"javascript:alert('xss-5')\">x</a>",
    "{{ request.user }} {% now 'Y' %}",
    "Robert'); DROP TABLE recommendations_review;--",
    "\u202eevil\u202c العربية עברית",  # RTL override, Arabic, Hebrew
    "👩‍👩‍👧‍👦🏳️‍🌈 e\u0301 \u200b\ufeff",  # ZWJ emoji, combining accent, zero-width
    "line one\r\nline two\n\nline three\r",
    "  padded  ",
    '=HYPERLINK("https://example.com")',
    "%00 %2e%2e/ ../../etc/passwd",
    "\ud800 lone surrogate \udfff",
    "Officer 0",
]

# Markdown that nests deeply or makes python-markdown scan again and again (issue 13): the
# save rule refuses it beside the field, and old rows holding it still render, quickly.
PATHOLOGICAL_TEXT = [
    "- " * 40 + "deep lists",
    "* " * 750 + "recursion",
    "> " * 40 + "deep quotes",
    ">" * 1500 + " quotes without spaces",
    "1. " * 30 + "deep numbers",
    "> - " * 20 + "quotes in lists",
    "".join("    " * level + "- x\n" for level in range(12)),
    "\t" * 12 + "- tabbed",
    "<ul><li>" * 50 + "raw lists",
    "<blockquote>" * 50 + "raw quotes",
    "<b><i>" * 500,
    "[" * 3000,
    "[" * 1500 + "]" * 1500,
    "[](" * 1500,
    "[a](" * 1000,
    "![" * 2000,
    "<a " * 2000,
    "<http://" * 800,
    "a\n=\n" * 1000,
    "a\n---\n" * 800,
    "*" * 5000,
    "!" * 1000,
    "_a" * 3000,
    "\\" * 5000,
    "%" * 600,
]
PUNCTUATION_UNITS = ["- ", "> ", "1. ", "[", "](", "[a](", "![", "<a ", "<", "*", "_", "`", "\n=\n"]
# Nesting and links at the rule's limits, which must still save.
NESTED_WITHIN_LIMITS = [
    "> " * 8 + "quoted eight times",
    "- a\n" + "".join("    " * level + "- b\n" for level in range(1, 8)),
    "[a link](https://example.org/a) and [1], [2] " * 5,
    "Heading\n=======\n\nText.\n\n---\n\nMore.",
]

INVALID_DATES = [
    "2023-02-30", "2023-13-01", "2023-00-10", "0000-01-01", "10000-01-01", "-2023-01-01",
    "2023-1-1x", "31/02/2024", "2024/02/31", "yesterday", "NaN", "1e10", "2023-02-28\x00",
    "\x00", "２０２３-０１-０１", "9" * 400,
]  # fmt: skip
FAR_DATES = ["0001-01-01", "1000-02-29", "9999-12-31", "2000-02-29", "1970-01-01"]

BAD_IDS = [
    "0", "-1", "1.5", "1e3", "abc", "\x00", "1\x00", " ", "٣", "²",
    str(2**31), str(2**63), str(2**64), "9" * 30, "9" * 5000,
]  # fmt: skip

BAD_INTS = ["", "-1", "0", "1.0", "1e3", "abc", "\x00", str(2**31), str(2**63), "9" * 5000]


def decoded(value: str) -> str:
    """What Django's QueryDict makes of a value sent by ``encode_pairs``."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _quote(value: str) -> str:
    return quote_plus(value.encode("utf-8", "surrogatepass"), safe="")


def encode_pairs(pairs: Pairs) -> str:
    return "&".join(f"{_quote(key)}={_quote(value)}" for key, value in pairs)


def last_values(pairs: Pairs) -> dict[str, str]:
    """QueryDict.__getitem__ gives the last value of a repeated key."""
    return {key: value for key, value in pairs}


# --- Text -----------------------------------------------------------------------------------

_ANY_CHAR = st.characters(exclude_categories=(), exclude_characters="\x00")


def valid_text(max_length: int | None, required: bool) -> st.SearchStrategy[str]:
    limit = max_length or LONG_TEXT_MAX
    options = [
        st.text(_ANY_CHAR, min_size=1 if required else 0, max_size=min(limit, 40)),
        st.sampled_from(NASTY_TEXT),
        st.just("é" * limit),  # exactly at the limit, in two-byte characters
    ]
    if nested := [text for text in NESTED_WITHIN_LIMITS if len(text) <= limit]:
        options.append(st.sampled_from(nested))
    if not required:
        options.append(st.just(""))
    return st.one_of(*options)


def hostile_text(max_length: int | None) -> st.SearchStrategy[str]:
    limit = max_length or LONG_TEXT_MAX * 3
    return st.one_of(
        st.builds(lambda a, b: f"{a}\x00{b}", st.text(max_size=5), st.text(max_size=5)),
        st.just("x" * (limit + 1)),
        st.just("\U0001f600" * (limit + 1)),
        st.sampled_from([" \t\r\n ", "\u3000\u2028", "\ud800", "\x00"]),
        st.sampled_from(PATHOLOGICAL_TEXT),
        punctuation_runs(limit),
    )


def punctuation_runs(limit: int) -> st.SearchStrategy[str]:
    """One unit of Markdown punctuation repeated, up to the field's length and a bit beyond."""
    return st.builds(
        lambda unit, count, tail: unit * count + tail,
        st.sampled_from(PUNCTUATION_UNITS),
        st.integers(1, max(1, min(limit, 20_000) // 2)),
        st.sampled_from(["", "x", "\n\nafter"]),
    )


# --- Per form field -------------------------------------------------------------------------


def _choice_values(field: forms.ChoiceField) -> list[str]:
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # optgroup
            values.extend(str(v) for v, _ in label)
        else:
            values.append(str(value))
    return [v for v in values if v != ""]


def _pks(queryset) -> list[str]:
    return [str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True)]


def _foreign_pks(field: forms.ModelChoiceField) -> list[str]:
    """Existing rows of the same model that the field does not offer (another review's)."""
    model = field.queryset.model
    offered = field.queryset.values("pk")
    return _pks(model._default_manager.exclude(pk__in=offered))


def valid_values(form: forms.BaseForm, name: str, field: forms.Field) -> st.SearchStrategy:
    """A list of values (usually one) that the field is likely to accept."""
    optional = [[""], []] if not field.required else []
    if isinstance(field.widget, forms.HiddenInput):  # the version, or what the page listed
        initial = field.initial
        return st.just([str(initial)] if initial not in (None, "") else [])
    if isinstance(field, forms.BooleanField):
        return st.sampled_from([["on"], []])
    if isinstance(field, forms.ModelMultipleChoiceField):
        return st.lists(st.sampled_from(_pks(field.queryset) or [""]), max_size=3, unique=True)
    if isinstance(field, forms.ModelChoiceField):
        return st.sampled_from([[pk] for pk in _pks(field.queryset)] + optional)
    if isinstance(field, forms.ChoiceField):
        return st.sampled_from([[v] for v in _choice_values(field)] + optional)
    if isinstance(field, forms.DateField):
        return st.one_of(
            st.dates(dt.date(1900, 1, 1), TODAY).map(lambda d: [d.isoformat()]),
            st.sampled_from([[d] for d in FAR_DATES] + optional),
        )
    if isinstance(field, forms.IntegerField):
        return st.integers(0, 1000).map(lambda n: [str(n)])
    if isinstance(field, forms.SlugField):
        return st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,40}\Z").map(lambda s: [s])
    max_length = getattr(field, "max_length", None)
    return valid_text(max_length, field.required).map(lambda s: [s])


def hostile_value(form: forms.BaseForm, name: str, field: forms.Field) -> st.SearchStrategy:
    if isinstance(field, forms.ModelChoiceField):
        return st.sampled_from(_foreign_pks(field) + BAD_IDS)
    if isinstance(field, forms.ChoiceField):
        values = _choice_values(field)
        return st.one_of(
            st.text(max_size=30),
            st.sampled_from(
                ["\x00", "None", *(v.upper() for v in values), *(f" {v}" for v in values)]
            ),
        )
    if isinstance(field, forms.DateField):
        return st.one_of(st.sampled_from(INVALID_DATES + FAR_DATES), st.text(max_size=20))
    if isinstance(field, forms.IntegerField | forms.BooleanField):
        return st.one_of(st.sampled_from(BAD_INTS), st.text(max_size=10))
    return hostile_text(getattr(field, "max_length", None))


_hostile_kinds = st.sampled_from(["bad", "missing", "twice-bad-last", "twice-bad-first"])
_unknown_pairs = st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=2)


def submissions(form: forms.BaseForm, extra_valid: dict | None = None) -> st.SearchStrategy[Pairs]:
    """Mostly valid values, with up to three fields made hostile: a bad value, the field left
    out, or the key sent twice; plus, sometimes, keys the form does not know.

    Every field's strategies are made here, once per form (reading from the database the ids
    its choices offer): a test draws every example from one ``submissions``. Made anew for each
    example, they cost more than the rest of the draw (Hypothesis checks each new strategy)."""
    valid: dict[str, st.SearchStrategy[list[str]]] = {}
    for name, field in form.fields.items():
        strategy = valid_values(form, name, field)
        if extra_valid and name in extra_valid:
            strategy = st.one_of(strategy, extra_valid[name].map(lambda v: [v]))
        valid[name] = strategy
    hostile = {name: hostile_value(form, name, field) for name, field in form.fields.items()}
    return _submission(valid, hostile, st.sets(st.sampled_from(sorted(form.fields)), max_size=3))


@st.composite
def _submission(draw, valid: dict, hostile: dict, hostile_names: st.SearchStrategy) -> Pairs:
    values: dict[str, list[str]] = {name: draw(strategy) for name, strategy in valid.items()}
    for name in sorted(draw(hostile_names)):
        kind = draw(_hostile_kinds)
        bad = draw(hostile[name])
        good = values[name] or [""]
        values[name] = {
            "bad": [bad],
            "missing": [],
            "twice-bad-last": [good[0], bad],
            "twice-bad-first": [bad, good[0]],
        }[kind]
    pairs = [(name, value) for name, vals in values.items() for value in vals]
    return pairs + draw(_unknown_pairs)


# --- Query strings and URL segments ---------------------------------------------------------

junk_text = st.one_of(
    st.text(max_size=30),
    st.text(_ANY_CHAR, max_size=10),
    st.sampled_from(NASTY_TEXT + BAD_IDS + INVALID_DATES),
    st.sampled_from(PATHOLOGICAL_TEXT),
    st.builds(lambda word, count: word * count, st.sampled_from(["w ", "-w ", "a or ", '"']),
              st.integers(30, 1200)),
)  # fmt: skip

url_segment = st.one_of(
    st.binary(min_size=1, max_size=20).map(lambda b: quote_plus(b, safe="")),
    st.text(_ANY_CHAR, min_size=1, max_size=10).map(_quote),
    st.sampled_from(["%00", "%00abc", "..", "%2e%2e", "%ff%fe", "%ed%a0%80", "a%2Fb", "%25"]),
)


def query_string(pairs: Pairs) -> str:
    return encode_pairs(pairs)


# --- Checks ---------------------------------------------------------------------------------


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """Each example starts from the same data: everything it writes is rolled back."""
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)


class _ActiveContent(HTMLParser):
    """Finds markup that could run: inline scripts with our payloads, on* attributes,
    javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in {"svg", "img", "iframe", "object", "embed"} and any(
            "xss" in (v or "") for _, v in attrs
        ):
            self.problems.append(f"<{tag}> from user text")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "xss" in data:
            self.problems.append(f"<script>{data[:60]}</script>")


def assert_no_active_content(html: str) -> None:
    parser = _ActiveContent()
    parser.feed(html)
    assert not parser.problems, parser.problems
