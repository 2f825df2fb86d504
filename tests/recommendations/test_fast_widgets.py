"""The round page's form renderer writes plain widgets in Python: the markup must be exactly
Django's own, values and labels escaped."""

import datetime as dt

import pytest
from django import forms

from recommendations.forms import DateInput, RoundRowForm
from recommendations.widgets import FastWidgets

NASTY = 'Tom & "Jerry" <script>alert(1)</script>'


class Everything(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), initial=NASTY)
    empty_text = forms.CharField(widget=forms.Textarea, required=False)
    title = forms.CharField(max_length=20, initial=NASTY, help_text="Hint")
    number = forms.IntegerField(initial=3)
    when = forms.DateField(widget=DateInput(), initial=dt.date(2024, 3, 1))
    no_date = forms.DateField(widget=DateInput(), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, initial=7)
    status = forms.ChoiceField(choices=[("a", "A & B"), ("b", NASTY)], initial="b")
    disabled = forms.CharField(disabled=True, initial="x")
    grouped = forms.ChoiceField(choices=[("Group <1>", [("g", "G")]), ("h", "H")])
    radio = forms.ChoiceField(choices=[("r", "R")], widget=forms.RadioSelect)


@pytest.mark.parametrize("bound", [False, True])
def test_every_widget_is_djangos_markup(bound):
    data = {"text": NASTY + "\nline", "title": "<b>", "number": "x", "status": "a"}
    django_form = Everything(data if bound else None)
    fast_form = Everything(data if bound else None, renderer=FastWidgets())
    for name in Everything.base_fields:
        attrs = {"aria-describedby": "id_x_hint", "required": True, "autofocus": False}
        assert fast_form[name].as_widget(attrs=attrs) == django_form[name].as_widget(attrs=attrs)
        assert str(fast_form[name]) == str(django_form[name])
    assert "<script>" not in str(fast_form["text"]) + str(fast_form["status"])


@pytest.mark.django_db
def test_the_round_rows_use_it(demo_data):
    from recommendations.models import Recommendation

    rec = Recommendation.objects.select_related("review").first()
    form = RoundRowForm(None, prefix="rec-1", recommendation=rec, previous=None)
    assert isinstance(form.renderer, FastWidgets)


def test_plain_widgets_are_written_without_a_template(monkeypatch):
    def no_template(self, template_name):
        raise AssertionError(f"{template_name} was rendered through a template")

    monkeypatch.setattr(FastWidgets, "get_template", no_template)
    form = Everything(renderer=FastWidgets())
    for name in ("text", "title", "number", "when", "version", "status"):
        assert form[name].as_widget()
    with pytest.raises(AssertionError):  # option groups and radios: Django's own templates
        str(form["grouped"])


@pytest.mark.parametrize("bound", [False, True])
@pytest.mark.parametrize("suffix", ["", 'recommendation <1> & "2"'])
def test_the_round_field_tag_is_the_include(bound, suffix):
    from django.template import Context, Template

    data = {"text": NASTY, "title": "<b>" * 10, "number": "x", "status": "a"}
    form = Everything(data if bound else None, renderer=FastWidgets())
    form.fields["title"].label = NASTY
    form.fields["title"].help_text = NASTY
    include = Template(
        '{% for field in form.visible_fields %}{% include "recommendations/round_field.html" %}'
        "{% endfor %}"
    )
    tag = Template(
        "{% load tracker %}{% for field in form.visible_fields %}{% round_field field suffix %}"
        "{% endfor %}"
    )
    context = Context({"form": form, "suffix": suffix})
    assert form.errors if bound else True
    assert tag.render(context) == include.render(context)
