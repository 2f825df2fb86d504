from django.core.paginator import Paginator as DjangoPaginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from reports.selectors import row_count


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
