from django.core.paginator import Paginator as DjangoPaginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from reports.selectors import page_rows, row_count


class CountingPaginator(DjangoPaginator):
    @cached_property
    def count(self) -> int:
        return row_count(self.object_list)


class IdsFirstPaginator(CountingPaginator):
    """Reads a page ids first (``selectors.page_rows``), as the app's table does."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(page_rows(self.object_list, slice(bottom, top)), number, self)


class Pagination(PageNumberPagination):
    """``?page=2&page_size=100``: 25 a page unless asked, at most 100 (a larger size is
    taken as 100). A page beyond the last is a 404."""

    django_paginator_class = CountingPaginator
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class IdsFirstPagination(Pagination):
    django_paginator_class = IdsFirstPaginator
