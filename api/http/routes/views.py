"""The coordination views (DESIGN §5): JSON or CSV, filtered, now or as of a past moment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from api.http.auth import Principal, PrincipalDep
from api.http.deps import (
    MAX_LIMIT,
    AsOfQ,
    CursorQ,
    LimitQ,
    MinPositionQ,
    ServicesDep,
    after_key,
    csv_response,
    cursor_id,
    id_cursor,
    key_cursor,
    read_day,
    read_position,
)
from api.http.problems import ApiProblem, responses
from api.http.schemas.queries import (
    AreaQ,
    ArticleQ,
    ChapterQ,
    ClassificationQ,
    FlagQ,
    FormatQ,
    PriorityAreaQ,
    RegionQ,
    StakeholdersQ,
    StateQ,
    TaTypeQ,
)
from api.http.visibility import programme_rows, visible_needs
from api.http.xlsx import view_xlsx
from api.root.services import Services
from domain import reference
from projections.views import (
    funding_gaps,
    priority_areas,
    programme_monitoring,
    provider_overlap,
    unmet_needs,
)
from projections.views.common import sort_key
from projections.views.xlsx_cells import MEDIA_TYPE

router = APIRouter(prefix="/v1/views", tags=["views"])


@dataclass
class NeedFilters:
    """The filters every view shares, and `as_of` / `min_position`, as one dependency."""

    state: StateQ = None
    region: RegionQ = None
    chapter: ChapterQ = None
    article: ArticleQ = None
    ta_type: TaTypeQ = None
    as_of: AsOfQ = None
    min_position: MinPositionQ = None

    def needs(self) -> dict[str, Any]:
        return {
            "state": self.state.upper() if self.state else None,
            "region": self.region,
            "chapter": self.chapter,
            "article": self.article,
            "ta_type": self.ta_type,
        }


FiltersDep = Annotated[NeedFilters, Depends()]
OK: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/csv": {}, MEDIA_TYPE: {}}, "description": "the view"}
}
ERRORS = responses(422, 503)


def open_needs(svc: Services, who: Principal, position: int | None, **filters: Any) -> list[dict[str, Any]]:
    return svc.rows(position).needs(who.scope(), status="open", **filters)


def answered(
    svc: Services,
    f: NeedFilters,
    position: int,
    answer: dict[str, Any],
    format: str,
    module: Any,
    name: str,
    **option: Any,
) -> Any:
    """The answer in the format asked for; `option` is the view's own filter (group_by, classification, flag)."""
    answer["position"] = position
    if format == "csv":
        columns, rows = module.csv_rows(answer)
        return csv_response(columns, rows, f"{name}.csv")
    if format == "xlsx":
        return view_xlsx(svc, module, answer, {**f.needs(), **option}, f.as_of, f"{name}.xlsx")
    # Answers are plain JSON values already (money as strings): encode them once, without
    # FastAPI's generic walk over every value of a large answer.
    return JSONResponse(answer)


def json_bytes(body: bytes) -> Response:
    """An answer encoded already (kept items spliced in): the same response JSONResponse would give."""
    return Response(body, media_type="application/json")


def positions(svc: Services, as_of: str | None, min_position: int | None) -> tuple[int | None, int]:
    """The past position to fold to (None: the durable views now), and the answer's position.

    A current answer's position is read before its rows: the rows are at least that fresh.
    """
    past = read_position(svc, as_of, min_position)
    return past, past if past is not None else svc.runner.position()


@router.get("/unmet-needs", responses={**ERRORS, **OK})
def unmet(
    svc: ServicesDep,
    who: PrincipalDep,
    f: FiltersDep,
    classification: ClassificationQ = None,
    format: FormatQ = "json",
    limit: LimitQ = MAX_LIMIT,
    cursor: CursorQ = None,
) -> Any:
    """Open needs, each unmet, partially funded or funded (coverage ≥ 1), with their providers.

    JSON comes a page at a time, in priority, state and article order: `next_cursor` fetches the
    next page; `count` and `counts` are of every matching need. CSV holds them all.
    """
    past, position = positions(svc, f.as_of, f.min_position)
    if format != "json":
        rows = open_needs(svc, who, past, **f.needs())
        answer = unmet_needs.view(rows, svc.currency, classification)
        return answered(svc, f, position, answer, format, unmet_needs, "unmet-needs", classification=classification)
    page, counts, more = svc.rows(past).open_page(who.scope(), after_key(cursor), limit, classification, **f.needs())
    answer = unmet_needs.answer(page, counts, svc.currency, classification)
    answer["next_cursor"] = key_cursor(sort_key(page[-1])) if more else None
    return answered(svc, f, position, answer, format, unmet_needs, "unmet-needs")


@router.get("/funding-gaps", responses={**ERRORS, **OK})
def gaps(
    svc: ServicesDep,
    who: PrincipalDep,
    f: FiltersDep,
    group_by: AreaQ = "state",
    format: FormatQ = "json",
) -> Any:
    """Σ estimated, committed, pledged, disbursed and gap of open needs, per group."""
    past, position = positions(svc, f.as_of, f.min_position)
    groups, total = svc.rows(past).grouped(group_by, who.scope(), **f.needs())
    answer = funding_gaps.answer(groups, total, svc.currency, group_by)
    return answered(svc, f, position, answer, format, funding_gaps, f"funding-gaps-by-{group_by}", group_by=group_by)


@router.get("/provider-overlap", responses={**ERRORS, **OK})
def overlap(
    svc: ServicesDep,
    who: PrincipalDep,
    f: FiltersDep,
    format: FormatQ = "json",
    limit: LimitQ = MAX_LIMIT,
    cursor: CursorQ = None,
) -> Any:
    """Per (state, article, TA type) cell: programmes, funders, HHI, and duplicate pairs.

    JSON comes a page of cells at a time, in state, article and TA type order: `next_cursor`
    fetches the next page; `count`, `overlapping` and `pairs` are of every cell. CSV holds them all.
    """
    past, position = positions(svc, f.as_of, f.min_position)
    if format != "json":
        rows = open_needs(svc, who, past, **f.needs())
        answer = provider_overlap.view(rows, svc.currency, ta_type=f.ta_type)
        return answered(svc, f, position, answer, format, provider_overlap, "provider-overlap")
    if past is None:  # the kept cells spliced into the answer's bytes as stored, nothing decoded
        docs, last, counted, more = svc.rows(past).cell_page_json(who.scope(), after_key(cursor), limit, **f.needs())
        cursor_next = key_cursor(last) if more and last is not None else None
        return json_bytes(provider_overlap.encoded_answer(docs, counted, svc.currency, cursor_next, position))
    items, counted, more = svc.rows(past).cell_page(who.scope(), after_key(cursor), limit, **f.needs())
    answer = provider_overlap.answer(items, counted, svc.currency)
    answer["next_cursor"] = key_cursor(provider_overlap.cell_key(items[-1])) if more else None
    return answered(svc, f, position, answer, format, provider_overlap, "provider-overlap")


@router.get("/priority-areas", responses={**ERRORS, **OK})
def priorities(
    svc: ServicesDep,
    who: PrincipalDep,
    f: FiltersDep,
    group_by: PriorityAreaQ = "article",
    format: FormatQ = "json",
    stakeholders: StakeholdersQ = None,
) -> Any:
    """Areas where open needs recur across States parties, ranked (see `ranking` in the answer); each counts
    its needs identified with non-governmental stakeholders, and `stakeholders` keeps only those."""
    past, position = positions(svc, f.as_of, f.min_position)
    name = f"priority-areas-by-{group_by}"
    if stakeholders:  # read from the need rows, as any filtered read
        rows = open_needs(svc, who, past, **f.needs())
        answer = priority_areas.view(rows, svc.currency, group_by, f.ta_type, stakeholders)
        return answered(
            svc, f, position, answer, format, priority_areas, name, group_by=group_by, stakeholders=stakeholders
        )
    if past is None and format == "json":  # kept: the ranked items spliced into the answer's bytes
        items = svc.rows(past).ranked_areas(group_by, who.scope(), **f.needs())
        if items is not None:
            return json_bytes(priority_areas.encoded_answer(items, svc.currency, group_by, position))
    areas, _ = svc.rows(past).grouped(group_by, who.scope(), **f.needs())
    answer = priority_areas.answer(areas, svc.currency, group_by)
    return answered(svc, f, position, answer, format, priority_areas, name, group_by=group_by)


@router.get("/programme-monitoring", responses={**ERRORS, **OK})
def monitoring(
    svc: ServicesDep,
    who: PrincipalDep,
    f: FiltersDep,
    flag: FlagQ = None,
    format: FormatQ = "json",
    limit: LimitQ = MAX_LIMIT,
    cursor: CursorQ = None,
) -> Any:
    """Per programme: money, deliveries and the flags over-disbursed, stalled, overdue.

    `state` and `region` match the programme's states; `chapter`, `article` and `ta_type` keep
    programmes linked to a need of them. JSON comes a page at a time, by title: `next_cursor`
    fetches the next page; `count` and `counts` are of every matching programme. CSV holds them all.
    """
    past, position = positions(svc, f.as_of, f.min_position)
    today = read_day(svc, f.as_of, past)
    filters = f.needs()
    state = filters.pop("state")
    rows = svc.rows(past)  # read (or folded, for a past position) once
    if format != "json":
        found = programmes(rows, who, state=state, **filters)
        answer = programme_monitoring.view(found, svc.currency, today, flag)
        return answered(svc, f, position, answer, format, programme_monitoring, "programme-monitoring", flag=flag)
    after = programme_after(rows, cursor)
    if any(v is not None for v in filters.values()) or who.scope().published_only:
        found = programmes(rows, who, state=state, **filters)
        (page, more), counted = programme_monitoring.page(found, today, flag, after, limit)
    elif past is None:  # every programme, or one state's: the kept items spliced into the answer's bytes
        items, last, counted, more = rows.programme_page_json(today, flag, after, limit, state)
        cursor_next = id_cursor(last) if more and last is not None else None
        body = programme_monitoring.encoded_answer(items, counted, svc.currency, today, cursor_next, position)
        return json_bytes(body)
    else:  # as of a past position: the folded rows, a page of them
        page, counted, more = rows.programme_page(today, flag, after, limit, state)
    answer = programme_monitoring.answer(page, counted, svc.currency, today)
    answer["next_cursor"] = id_cursor(page[-1]["programme_id"]) if more else None
    return answered(svc, f, position, answer, format, programme_monitoring, "programme-monitoring")


def programme_after(rows: Any, cursor: str | None) -> str | None:
    """The sort key to go on after: the cursor names the last programme of the previous page by
    its id, so it stays short however long titles are; its key is read from the same rows."""
    if not cursor:
        return None
    after = rows.programme_key(cursor_id(cursor))
    if after is None:
        raise ApiProblem(422, "invalid-cursor", "the cursor names no programme of this list")
    return str(after)


def programmes(
    rows: Any,
    who: Principal,
    state: str | None,
    region: str | None,
    **need_filters: Any,
) -> list[dict[str, Any]]:
    """Programmes matching the filters that this reader may see (linked to needs it may see)."""
    found = rows.programmes(state=state)
    if region is not None:
        found = [p for p in found if any(reference.states()[s].region == region for s in p["states"])]
    scope, by_needs = who.scope(), any(v is not None for v in need_filters.values())
    if by_needs or scope.published_only:
        needs = {r["need_id"] for r in rows.needs(scope, **need_filters)}
        own = set() if by_needs else set(scope.states)  # a state key sees its own programmes too
        found = [p for p in found if programme_monitoring.linked(p, needs) or own & set(p["states"])]
    return programme_rows(found, visible_needs(scope, rows.needs))  # linked_needs: the visible ones
