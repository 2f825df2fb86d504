from django import template
from django.utils.safestring import SafeString

from reports import charts

register = template.Library()


@register.filter
def swatch(key: str) -> SafeString:
    """A category's colour-and-pattern square, as the charts draw it."""
    return charts.swatch(str(key))
