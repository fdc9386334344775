"""Reports for the Implementation Review Group: one State party's needs, addressed or unmet."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse

from api.http.auth import PrincipalDep
from api.http.deps import AsOfQ, MinPositionQ, ServicesDep, csv_response
from api.http.problems import responses
from api.http.routes.views import open_needs, positions
from api.http.schemas.codelists import PARTY_CODES
from api.http.schemas.queries import ReportFormatQ
from api.http.xlsx import irg_xlsx
from api.web import i18n, report_words
from domain import reference
from projections.views import irg_report
from projections.views.xlsx_cells import MEDIA_TYPE

LangQ = Annotated[
    str | None,
    Query(
        max_length=8,
        description="en, fr or es: the language of the labels and the Markdown (else the cookie, then "
        "Accept-Language); a CSV or spreadsheet is headed in a language only when it is named here",
    ),
]
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
    lang: LangQ = None,
) -> Any:
    """Resolution para 13: current and anticipated needs, each addressed (providers, programmes,
    committed) or unmet; `labels`, the Markdown and (with `lang`) the headers in the reader's language."""
    party = reference.party(state)
    past, position = positions(svc, as_of, min_position)
    answer = irg_report.view(open_needs(svc, who, past, state=party.iso3), party.iso3, svc.currency)
    answer["position"] = position
    if format in ("csv", "xlsx"):  # for machines too: headed in a language only when the request names it
        with i18n.using(report_words.named(lang) or i18n.DEFAULT):
            words = report_words.reader()
            if format == "xlsx":
                return irg_xlsx(svc, answer, as_of, words)
            headers, rows = irg_report.csv_rows(answer)
            return csv_response([words.header(h) for h in headers], rows, f"irg-{party.iso3}.csv")
    if format == "md":
        markdown = irg_report.markdown(answer, report_words.reader())
        return PlainTextResponse(markdown, media_type="text/markdown; charset=utf-8")
    return {**answer, "labels": report_words.labels(answer)}
