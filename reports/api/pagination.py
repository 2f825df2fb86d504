from django.core.paginator import Paginator as DjangoPaginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from reports.selectors import page_rows, row_count


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
    """A queryset as Django's paginator reads it, counted by ``selectors.row_count`` and each
    page read ids first (``selectors.page_rows``), as the app's table reads it."""

    def __init__(self, queryset) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return row_count(self.queryset)

    def __getitem__(self, key: slice) -> list:
        return page_rows(self.queryset, key)


class IdsFirstPagination(Pagination):
    django_paginator_class = DjangoPaginator  # counts with IdsFirst.count

    def paginate_queryset(self, queryset, request, view=None):
        return super().paginate_queryset(IdsFirst(queryset), request, view)
