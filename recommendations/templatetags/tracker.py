from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from recommendations.markdown import markdown_to_text, render_markdown
from recommendations.models import DatePrecision, format_partial_date
from recommendations.monitoring import STATUS_LABELS

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)


@register.filter(name="markdown_text")
def markdown_text_filter(text: str) -> str:
    """Markdown as plain text, for a short excerpt (the template escapes it)."""
    return markdown_to_text(text)


@register.simple_tag
def field_widget(field) -> SafeString:
    """The field's widget, described by its hint and its error message (GOV.UK pattern)."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_hint")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
    attrs = {"aria-describedby": " ".join(described_by)} if described_by else {}
    return field.as_widget(attrs=attrs)


@register.simple_tag
def round_field(field, suffix: str = "") -> SafeString:
    """``recommendations/round_field.html`` written in Python, the same markup to the byte
    (a test compares them): the round entry page has 30 rows of six fields, and the include
    was a third of its time."""
    auto_id = conditional_escape(field.auto_id)
    errors = field.errors
    optional = "" if field.field.required else ' <span class="field__optional">(optional)</span>'
    hidden = (
        f'<span class="visually-hidden"> ({conditional_escape(suffix)})</span>' if suffix else ""
    )
    hint = (
        f'<p class="field__hint" id="{auto_id}_hint">{conditional_escape(field.help_text)}</p>'
        if field.help_text
        else ""
    )
    error = (
        f'<p class="field__error" id="{auto_id}_error">'
        + "<br>".join(
            f'<span class="visually-hidden">Error: </span>{conditional_escape(message)}'
            for message in errors
        )
        + "</p>"
        if errors
        else ""
    )
    return mark_safe(  # noqa: S308 -- every value escaped above
        f'\n<div class="field{" field--error" if errors else ""}">\n'
        f'  <label for="{auto_id}">{conditional_escape(field.label)}{hidden}{optional}</label>\n'
        f"  {hint}\n  {error}\n  {field_widget(field)}\n</div>\n"
    )


@register.filter
def status_label(key: str) -> str:
    return STATUS_LABELS.get(key, key)


@register.filter
def partial_date(value, precision: str) -> str:
    return format_partial_date(value, precision or DatePrecision.DAY)
