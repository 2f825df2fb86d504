from collections.abc import Callable

from django.core.paginator import Paginator as DjangoPaginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from reports.filters import SEARCH_COUNT_LIMIT
from reports.selectors import FirstMatches, page_rows, row_count


class CountingPaginator(DjangoPaginator):
    @cached_property
    def count(self) -> int:
        return row_count(self.object_list)


class Pagination(PageNumberPagination):
    """``?page=2&page_size=100``: 25 a page unless asked, at most 100 (a larger size is
    taken as 100). A page beyond the last is a 404."""

    django_paginator_class = CountingPaginator
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class IdsFirst:
    """A queryset as Django's paginator reads it, counted by ``selectors.row_count`` (or by
    ``count``, when the caller knows a cheaper way to the same number) and each page read ids
    first (``selectors.page_rows``), as the app's table reads it."""

    more = False  # every row is counted

    def __init__(self, queryset, *, count: Callable[[], int] | None = None) -> None:
        self.queryset = queryset
        self._count = count

    def count(self) -> int:
        return self._count() if self._count is not None else row_count(self.queryset)

    def __getitem__(self, key: slice) -> list:
        return page_rows(self.queryset, key)


class IdsFirstPagination(Pagination):
    django_paginator_class = DjangoPaginator  # counts with IdsFirst.count

    def paginate_queryset(self, queryset, request, view=None):
        if not isinstance(queryset, IdsFirst | FirstMatches):
            queryset = IdsFirst(queryset)
        return super().paginate_queryset(queryset, request, view)


MORE_MATCHES = (
    f"True when more recommendations match a search (`q`) than `count`, which then stops at "
    f"{SEARCH_COUNT_LIMIT:,}: those listed are the {SEARCH_COUNT_LIMIT:,} added last (the first "
    f"{SEARCH_COUNT_LIMIT:,} found when another filter is chosen too), best matches first. "
    "False otherwise: `count` is every match."
)


class SearchPagination(IdsFirstPagination):
    """The recommendations' pages, with ``more_matches``: a search is counted only as far as
    its first matches (``FirstMatches``), and this says when more match."""

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "count": self.page.paginator.count,
                "more_matches": self.page.paginator.object_list.more,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        more = {"type": "boolean", "example": False, "description": MORE_MATCHES}
        response["properties"] = {"count": response["properties"]["count"],
                                  "more_matches": more, **response["properties"]}  # fmt: skip
        response["required"] = [*response["required"], "more_matches"]
        return response
