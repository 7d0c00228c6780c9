"""Page-number pagination whose `page` is what the schema says: a whole number from 1.

A page that is not one is invalid input (400, naming the field); a page past the end is 404.
"""

import re
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")
MAX_PAGE = 100_000


class ApiPageNumberPagination(PageNumberPagination):
    last_page_strings = ()  # no `page=last`: the schema documents an integer

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        page = super().get_page_number(request, paginator)
        if not _WHOLE_NUMBER.fullmatch(str(page)) or not 1 <= int(page) <= MAX_PAGE:
            raise ValidationError({self.page_query_param: [f"A whole number from 1 to {MAX_PAGE} is required."]})
        return page

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
                parameter["description"] = "A page number from 1. A page past the last one is 404."
        return parameters
