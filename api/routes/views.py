from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from projections.views import unmet_needs

from api.auth import PrincipalDep
from api.deps import AsOfQ, MinPositionQ, ServicesDep, csv_response, read_position
from api.problems import responses

router = APIRouter(prefix="/v1/views", tags=["views"])

StateQ = Annotated[str | None, Query(max_length=3, description="ISO alpha-3")]
RegionQ = Annotated[str | None, Query(max_length=60, description="UN regional group, or Other")]
ChapterQ = Annotated[str | None, Query(pattern="^(II|III|IV|V|VI)$")]
ArticleQ = Annotated[int | None, Query(ge=5, le=62)]
TaTypeQ = Annotated[str | None, Query(max_length=60, description="TA type (v2 codelist)")]
FormatQ = Annotated[str, Query(pattern="^(json|csv)$")]


@router.get("/unmet-needs", responses={**responses(422, 503), 200: {
    "content": {"application/json": {}, "text/csv": {}}, "description": "open needs"}})
def unmet(
    svc: ServicesDep, who: PrincipalDep, state: StateQ = None, region: RegionQ = None,
    chapter: ChapterQ = None, article: ArticleQ = None, ta_type: TaTypeQ = None,
    classification: Annotated[str | None, Query(pattern="^(unmet|partially-funded|funded)$")] = None,
    as_of: AsOfQ = None, min_position: MinPositionQ = None, format: FormatQ = "json",
) -> Any:
    position = read_position(svc, as_of, min_position)
    rows = svc.rows(position).needs(
        who.scope(), state=state.upper() if state else None, region=region, chapter=chapter,
        article=article, ta_type=ta_type, status="open")
    answer = unmet_needs.view(rows, svc.currency, classification)
    answer["position"] = position if position is not None else svc.runner.position()
    if format == "csv":
        return csv_response(*unmet_needs.csv_rows(answer), "unmet-needs.csv")
    return answer
