"""IATI over HTTP: a provider's activity file in, the programmes out as IATI 2.03 (DESIGN §9)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from api.http.auth import PROVIDER, PrincipalDep
from api.http.deps import MinPositionQ, ServicesDep, read_position
from api.http.orgs import OrgRefQ, organisation
from api.http.problems import ApiProblem, responses
from api.http.schemas.iati import IatiImportReport
from api.http.schemas.queries import Iso3Q
from api.iati.export import export_bytes
from api.iati.exporter import ExportSource, NotExported, programme_activities
from api.iati.importer import import_into

router = APIRouter(tags=["iati"])
XML_TYPES = ("application/xml", "text/xml")
SectorQ = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=r"^[0-9]+(,[0-9]+)*$",
        description="keep activities with any of these DAC codes, e.g. 15113,151",
    ),
]
FilenameQ = Annotated[
    str | None,
    Query(max_length=200, description="the file's name for a raw body: events record 'IATI import of <filename>'"),
]


async def uploaded(request: Request) -> tuple[bytes, str]:
    """The XML and its file name: a raw body (application/xml, text/xml) or multipart `file`."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in XML_TYPES:
        return await request.body(), "upload.xml"
    if media == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiProblem(422, "file-required", "send the IATI XML in the multipart field file")
        return await upload.read(), upload.filename or "upload.xml"
    raise ApiProblem(
        415,
        "unsupported-media-type",
        "send IATI XML as application/xml, text/xml or multipart/form-data (field 'file')",
    )


UploadDep = Annotated[tuple[bytes, str], Depends(uploaded)]
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/xml": {"schema": {"type": "string"}},
            "text/xml": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


@router.post(
    "/v1/imports/iati",
    response_model=IatiImportReport,
    openapi_extra=UPLOAD_BODY,
    responses=responses(401, 403, 409, 413, 415, 422),
)
def import_iati(
    upload: UploadDep, svc: ServicesDep, who: PrincipalDep, sector: SectorQ = None, filename: FilenameQ = None
) -> dict[str, Any]:
    """Import IATI 2.01–2.03 activities; 1.x files, broken XML and empty files are refused (422).

    A provider key registers only activities its organisation reports, updates only those it reports
    or funds (the others are skipped one by one with `forbidden-scope`), records another funder's money
    as its unconfirmed third-party report, and registers no organisation (`unknown-organisation`, the
    refs listed in `unknown_organisations`). Re-importing a file appends only its differences.
    """
    body, name = upload
    acting = who.organisation if who.role == PROVIDER else None
    sectors = sector.split(",") if sector else None
    return import_into(svc, body, filename or name, sectors=sectors, acting_org=acting).to_dict()


@router.get(
    "/v1/exports/iati",
    response_class=Response,
    responses={
        200: {"content": {"application/xml": {}}, "description": "IATI 2.03 activities"},
        **responses(401, 403, 404, 422, 503),
    },
)
def export_iati(
    svc: ServicesDep,
    who: PrincipalDep,
    funder: OrgRefQ = None,
    state: Iso3Q = None,
    min_position: MinPositionQ = None,
) -> Response:
    """The programmes as IATI 2.03 XML, valid against the IATI activities schema.

    Programmes IATI cannot express (no date, a state without an alpha-2 code) are left out and
    counted in the `X-IATI-Not-Exported` header.
    """
    read_position(svc, None, min_position)
    state = state.upper() if state else None
    funder_ref = organisation(svc.ledger, funder).ref if funder is not None else None
    items = list(programme_activities(svc.ledger, ExportSource.of(svc, state, who.scope()), funder_ref, state))
    left_out = [i for i in items if isinstance(i, NotExported)]
    xml = export_bytes([i for i in items if not isinstance(i, NotExported)], generated_at=datetime.now(UTC))
    return Response(
        xml,
        media_type="application/xml",
        headers={
            "X-IATI-Not-Exported": str(len(left_out)),
            "Content-Disposition": 'attachment; filename="iati-activities.xml"',
        },
    )
