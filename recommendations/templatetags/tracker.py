from django import template
from django.utils.safestring import SafeString

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


@register.filter
def status_label(key: str) -> str:
    return STATUS_LABELS.get(key, key)


@register.filter
def partial_date(value, precision: str) -> str:
    return format_partial_date(value, precision or DatePrecision.DAY)
