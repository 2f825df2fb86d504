from django import forms

from reports.widgets import FastSelect

CHOICES = [("", "Any"), ("1", "Tom & Jerry <b>"), ("2", "Second")]


def _normalise(html: str) -> str:
    return "".join(line.strip() for line in html.splitlines())


def test_it_renders_the_same_markup_as_djangos_select():
    expected = forms.Select(choices=CHOICES).render("review", "1", {"id": "id_review"})
    assert FastSelect(choices=CHOICES).render("review", "1", {"id": "id_review"}) == _normalise(
        expected
    )


def test_labels_are_escaped():
    html = FastSelect(choices=CHOICES).render("review", None)
    assert "Tom &amp; Jerry &lt;b&gt;" in html and "<b>" not in html
