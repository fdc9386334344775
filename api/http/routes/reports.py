"""Reports for the Implementation Review Group: one State party's needs, addressed or unmet."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import PlainTextResponse

from api.http.auth import PrincipalDep
from api.http.deps import AsOfQ, MinPositionQ, ServicesDep, csv_response
from api.http.problems import responses
from api.http.routes.views import open_needs, positions
from api.http.schemas.codelists import PARTY_CODES
from api.http.schemas.queries import ReportFormatQ
from api.http.xlsx import irg_xlsx
from domain import reference
from projections.views import irg_report
from projections.views.xlsx_cells import MEDIA_TYPE

router = APIRouter(prefix="/v1/reports", tags=["reports"])
OK: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/json": {}, "text/csv": {}, "text/markdown": {}, MEDIA_TYPE: {}},
        "description": "the State party's current and anticipated needs, addressed or unmet",
    }
}


@router.get("/irg/{state}", responses={**responses(422, 503), **OK})
def irg(
    svc: ServicesDep,
    who: PrincipalDep,
    state: Annotated[Annotated[str, PARTY_CODES], Path(max_length=3, description="ISO alpha-3 of a State party")],
    format: ReportFormatQ = "json",
    as_of: AsOfQ = None,
    min_position: MinPositionQ = None,
) -> Any:
    """Resolution para 13: current and anticipated needs, each addressed (providers, programmes,
    committed) or unmet."""
    party = reference.party(state)
    past, position = positions(svc, as_of, min_position)
    answer = irg_report.view(open_needs(svc, who, past, state=party.iso3), party.iso3, svc.currency)
    answer["position"] = position
    if format == "csv":
        return csv_response(*irg_report.csv_rows(answer), f"irg-{party.iso3}.csv")
    if format == "xlsx":
        return irg_xlsx(svc, answer, as_of)
    if format == "md":
        return PlainTextResponse(irg_report.markdown(answer), media_type="text/markdown; charset=utf-8")
    return answer
