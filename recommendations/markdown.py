"""User text is stored as Markdown and only ever shown through ``render_markdown``."""

from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "blockquote",
    "code", "pre", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": set()}
ALLOWED_URL_SCHEMES = {"https", "mailto"}


# A pure function of the text, and the same texts are shown again and again (every view of a
# review renders its responses and updates): cache the most recent few thousand.
@lru_cache(maxsize=4096)
def render_markdown(text: str) -> SafeString:
    """Markdown to HTML, then sanitised: raw HTML, scripts, event handlers, images and any
    URL other than https/mailto are removed, so nothing in a user's text can run or fetch."""
    html = markdown_lib.markdown(text or "", extensions=["sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 -- sanitised by nh3 just above
