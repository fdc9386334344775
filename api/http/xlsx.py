"""`format=xlsx`: a view, the IRG report or a list as a spreadsheet (projections/views/workbooks.py), built from
the same headers and rows as its CSV, with an "About" sheet stating what it reflects and when."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from fastapi.responses import Response

from api.root.services import Services
from projections.views.as_of import recorded_at
from projections.views.columns import Table
from projections.views.words import ENGLISH, Words
from projections.views.workbooks import irg_workbook, list_workbook, view_workbook
from projections.views.xlsx_cells import MEDIA_TYPE

SPREADSHEET: dict[int | str, dict[str, Any]] = {200: {"content": {MEDIA_TYPE: {}}, "description": "format=xlsx"}}


def xlsx_response(data: bytes, filename: str) -> Response:
    return Response(data, media_type=MEDIA_TYPE, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def view_xlsx(
    svc: Services, module: ModuleType, answer: dict[str, Any], filters: dict[str, Any], as_of: str | None, file: str
) -> Response:
    data = view_workbook(module, answer, filters, as_of, recorded_at(svc.db, answer["position"]))
    return xlsx_response(data, file)


def irg_xlsx(svc: Services, answer: dict[str, Any], as_of: str | None, words: Words = ENGLISH) -> Response:
    data = irg_workbook(answer, as_of, recorded_at(svc.db, answer["position"]), words)
    return xlsx_response(data, f"irg-{answer['state']}.xlsx")


def list_xlsx(
    svc: Services,
    name: str,
    table: Table,
    items: list[dict[str, Any]],
    filters: dict[str, Any],
    position: int,
    file: str,
) -> Response:
    """Every item of a /v1 list matching the filters, read at `position`."""
    answer = {"currency": svc.currency, "count": len(items), "items": items, "position": position}
    return xlsx_response(list_workbook(name, table, answer, filters, recorded_at(svc.db, position)), file)
