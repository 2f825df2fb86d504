from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# As the templates write them: ``{{ value }}`` escapes unless the value is safe HTML already;
# ``{{ value|stringformat:'s' }}`` (attributes, an input's or option's value) always escapes.
text = conditional_escape


class FastSelect(forms.Select):
    """A <select> whose options are rendered in Python.

    Django renders each option through a template (about 0.1 ms apiece), which made the
    filter form the slowest part of /recommendations/ with a thousand reviews to choose from.
    The markup is the same as Django's own.
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(widget["attrs"]), options
        )


def _attrs(attrs: dict) -> str:
    """Django's ``attrs.html``, in the same order: ``name="value"``, a bare ``name`` for
    True, nothing for False. Values escaped as the template escapes them."""
    return "".join(
        f" {text(name)}" if value is True else f' {text(name)}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{escape(str(widget["value"]))}"'
    return (
        f'<input type="{text(widget["type"])}" name="{text(widget["name"])}"{value}'
        f"{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: dict) -> str:
    return (
        f'<textarea name="{text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{text(widget['value'] or '')}</textarea>"
    )


def _select(widget: dict) -> str | None:
    if any(group_name for group_name, _options, _index in widget["optgroups"]):
        return None  # option groups: Django's own template
    options = "".join(
        # Each option ends with its template's own newline.
        f'\n  <option value="{escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
        f"{text(option['label'])}</option>\n"
        for _group, group_options, _index in widget["optgroups"]
        for option in group_options
    )
    return f'<select name="{text(widget["name"])}"{_attrs(widget["attrs"])}>{options}\n</select>'


_WIDGETS = {
    **{
        f"django/forms/widgets/{kind}.html": _input
        for kind in ("input", "text", "date", "hidden", "number", "email", "url")
    },
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
}


class FastWidgets(DjangoTemplates):
    """A form renderer that writes the plain widgets (inputs, text areas, selects without
    option groups) in Python, with the markup of Django's templates, and leaves every other
    template (the form's own, radios, option groups) to them. Django renders each widget
    through two or three templates, about 3 ms a widget on a busy machine: the round entry
    page, 30 rows of six fields, spent half its time there. Set as a form's
    ``default_renderer``."""

    def render(self, template_name, context, request=None):
        fast = _WIDGETS.get(template_name)
        if fast is not None and "widget" in context:
            html = fast(context["widget"])
            if html is not None:
                return mark_safe(html)  # noqa: S308 -- every value escaped above
        return super().render(template_name, context, request=request)
