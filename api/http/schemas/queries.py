"""Query parameters of the routes, built from the reference data and the views' own lists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeAlias

from fastapi import Query
from pydantic import AfterValidator, StringConstraints

from api.http.schemas.codelists import (
    CHAPTERS,
    REGIONS,
    STATE_CODES,
    TA_TYPES_V2,
    ArticleNumber,
    Horizon,
    NeedStatus,
    literal,
)
from domain import reference
from projections.views import priority_areas, programme_monitoring, unmet_needs
from projections.views.common import AREAS

FORMATS = ("json", "csv", "xlsx")
REPORT_FORMATS = (*FORMATS, "md")
LIST_FORMATS = ("json", "xlsx")  # /v1/needs and /v1/programmes: a page of JSON, or every item as a spreadsheet

if TYPE_CHECKING:  # mypy reads these as what they validate; at run time they are built from the lists
    Classification: TypeAlias = str
    Area: TypeAlias = str
    PriorityArea: TypeAlias = str
    Flag: TypeAlias = str
    ViewFormat: TypeAlias = str
    ReportFormat: TypeAlias = str
    ListFormat: TypeAlias = str
    Stakeholders: TypeAlias = str
else:
    Classification = literal(unmet_needs.CLASSES)
    Area = literal(AREAS)
    PriorityArea = literal(priority_areas.BY)
    Flag = literal(programme_monitoring.FLAGS)
    ViewFormat = literal(FORMATS)
    ReportFormat = literal(REPORT_FORMATS)
    ListFormat = literal(LIST_FORMATS)
    Stakeholders = literal(priority_areas.STAKEHOLDERS)

# A code filter names a known code or is refused (422) with a code saying which list to choose
# from (`unknown-state`, `unknown-region`, `unknown-chapter`, `unknown-ta-type`): the same
# validators as the dashboard's (domain/reference.py). Bounded first, so no long text is echoed.
FilterText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]
StateFilter = Annotated[FilterText, STATE_CODES, AfterValidator(reference.country)]
StateQ = Annotated[StateFilter | None, Query(description="ISO alpha-3")]
RegionQ = Annotated[
    Annotated[FilterText, REGIONS, AfterValidator(reference.region)] | None,
    Query(description="UN regional group, or Other"),
]
Iso3Q = Annotated[StateFilter | None, Query(description="ISO alpha-3")]
ChapterQ = Annotated[Annotated[FilterText, CHAPTERS, AfterValidator(reference.chapter)] | None, Query()]
ArticleQ = Annotated[ArticleNumber | None, Query()]
TaTypeQ = Annotated[
    Annotated[FilterText, TA_TYPES_V2, AfterValidator(reference.ta_type_v2)] | None,
    Query(description="TA type (v2 codelist)"),
]
FormatQ = Annotated[ViewFormat, Query()]
ReportFormatQ = Annotated[ReportFormat, Query()]
ListFormatQ = Annotated[ListFormat, Query(description="json: a page of items; xlsx: every matching item")]
ClassificationQ = Annotated[Classification | None, Query()]
AreaQ = Annotated[Area, Query()]
PriorityAreaQ = Annotated[PriorityArea, Query()]
FlagQ = Annotated[Flag | None, Query()]
NeedStatusQ = Annotated[NeedStatus | None, Query()]
HorizonQ = Annotated[Horizon | None, Query()]
StakeholdersQ = Annotated[
    Stakeholders | None,
    Query(description="only needs identified with non-governmental stakeholders, or with stakeholders of one kind"),
]
