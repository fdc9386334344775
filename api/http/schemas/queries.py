"""Query parameters of the routes, built from the reference data and the views' own lists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeAlias

from fastapi import Query

from api.http.schemas.codelists import (
    ISO3,
    REGIONS,
    STATE_CODES,
    TA_TYPES_V2,
    ArticleNumber,
    Chapter,
    Horizon,
    NeedStatus,
    literal,
)
from projections.views import priority_areas, programme_monitoring, unmet_needs
from projections.views.common import AREAS

FORMATS = ("json", "csv")
REPORT_FORMATS = (*FORMATS, "md")

if TYPE_CHECKING:  # mypy reads these as what they validate; at run time they are built from the lists
    Classification: TypeAlias = str
    Area: TypeAlias = str
    PriorityArea: TypeAlias = str
    Flag: TypeAlias = str
    ViewFormat: TypeAlias = str
    ReportFormat: TypeAlias = str
else:
    Classification = literal(unmet_needs.CLASSES)
    Area = literal(AREAS)
    PriorityArea = literal(priority_areas.BY)
    Flag = literal(programme_monitoring.FLAGS)
    ViewFormat = literal(FORMATS)
    ReportFormat = literal(REPORT_FORMATS)

StateQ = Annotated[Annotated[str, STATE_CODES] | None, Query(max_length=3, description="ISO alpha-3")]
RegionQ = Annotated[Annotated[str, REGIONS] | None, Query(max_length=60, description="UN regional group, or Other")]
Iso3Q = Annotated[Annotated[str, STATE_CODES] | None, Query(pattern=ISO3, description="ISO alpha-3")]
ChapterQ = Annotated[Chapter | None, Query()]
ArticleQ = Annotated[ArticleNumber | None, Query()]
TaTypeQ = Annotated[Annotated[str, TA_TYPES_V2] | None, Query(max_length=60, description="TA type (v2 codelist)")]
FormatQ = Annotated[ViewFormat, Query()]
ReportFormatQ = Annotated[ReportFormat, Query()]
ClassificationQ = Annotated[Classification | None, Query()]
AreaQ = Annotated[Area, Query()]
PriorityAreaQ = Annotated[PriorityArea, Query()]
FlagQ = Annotated[Flag | None, Query()]
NeedStatusQ = Annotated[NeedStatus | None, Query()]
HorizonQ = Annotated[Horizon | None, Query()]
