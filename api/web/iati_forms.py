"""An IATI activity file uploaded in the browser (`/imports/iati`, multipart), imported by the function
POST /v1/imports/iati calls (api/http/routes/iati.py), the same checks and scope; the import's report is
shown on the page the form leads to, kept under the form's token as any form's outcome (api/web/forms.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from api.http.auth import Principal, PrincipalDep
from api.http.deps import ServicesDep
from api.http.problems import ApiProblem
from api.http.routes import iati as api
from api.root.services import Services
from api.web import forms
from api.web.forms import Field, Form, Outcome
from api.web.i18n import N_, gettext
from api.web.i18n_words import term
from api.web.need_forms import REASON
from api.web.render import page
from api.web.sign_in import FormDep

router = APIRouter(include_in_schema=False)
FILE_CODES = (
    "file-required",
    "iati-version-unsupported",
    "iati-xml-malformed",
    "iati-xml-dtd-forbidden",
    "iati-empty",
    "iati-not-activities",
)
UPLOAD = Form(
    name="iati",
    title="Import an IATI file",
    button="Import file",
    api=("POST", "/v1/imports/iati"),
    intro="An IATI 2.01–2.03 activity file: its programmes, money and linked needs are recorded as events. "
    "Importing the same file again records only what changed.",
    fields=(
        Field("file", "IATI activity file", kind="file", required=True, hint="An XML file.", codes=FILE_CODES),
        REASON,
    ),
)


TRANSACTIONS = {  # what became of the file's transactions, by kind (api/iati/importer.py)
    "imported": N_("imported"),
    "corrected": N_("corrected"),
    "revised": N_("revised"),
    "unchanged": N_("unchanged"),
    "ignored": N_("ignored"),
}


def report_lines(report: dict[str, Any]) -> list[dict[str, str]]:
    """The import's report as lines with a code, in the reader's language: its counts, then each skipped activity
    and each note (their reasons as the importer words them, in English, like a problem's detail)."""
    a, t = report["activities"], report["transactions"]
    money = "; ".join(
        f"{gettext(TRANSACTIONS.get(kind, kind))}: " + ", ".join(f"{term(k)} {n}" for k, n in counts.items())
        for kind, counts in t.items()
        if counts
    )
    activities = gettext(
        "%(seen)s seen, %(imported)s imported, %(updated)s updated, %(unchanged)s unchanged, %(skipped)s skipped, "
        "%(filtered_out)s filtered out",
        **a,
    )
    recorded = gettext(
        "%(events)s events; %(organisations_registered)s organisations registered; %(needs_linked)s needs linked, "
        "%(needs_unlinked)s unlinked",
        **report,
    )
    lines = [
        {"code": "activities", "detail": activities},
        {"code": "transactions", "detail": money or gettext("none")},
        {"code": "recorded", "detail": recorded},
    ]
    if report["unknown_organisations"]:
        unknown = ", ".join(report["unknown_organisations"])
        lines.append(
            {
                "code": "unknown-organisation",
                "detail": gettext("not registered, ask a coordinator: %(refs)s", refs=unknown),
            }
        )
    lines += [
        {"code": s["code"], "detail": f"{s['iati_identifier'] or s['index']}: {s['reason']}"} for s in report["skipped"]
    ]
    lines += [{"code": "note", "detail": f"{n['iati_identifier']}: {n['note']}"} for n in report["notes"]]
    return lines


def run_import(svc: Services, who: Principal, data: FormData) -> dict[str, Any]:
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ApiProblem(422, "file-required", "choose the IATI XML file to import")
    report = api.import_iati((upload.file.read(), upload.filename), svc, who)
    return {**report, "warnings": report_lines(report)}


def _show(request: Request, who: Principal, shown: Outcome, written: dict[str, Any] | None = None) -> HTMLResponse:
    context = {
        "form": UPLOAD,
        "shown": shown,
        "action": "/imports/iati",
        "token": forms.new_token(),
        "written": written,
        "crumbs": [("/", "Dashboard")],
    }
    return page(request, "iati_import.html", who, context, shown.status)


@router.get("/imports/iati", response_class=HTMLResponse)
def upload_page(request: Request, svc: ServicesDep, who: PrincipalDep) -> HTMLResponse:
    written = forms.written(svc, who, request.query_params.get("written"))
    return _show(request, who, Outcome({}), written)


@router.post("/imports/iati", response_class=HTMLResponse)
def upload(request: Request, svc: ServicesDep, who: PrincipalDep, data: FormDep) -> Response:
    return forms.submit(
        request,
        svc,
        who,
        UPLOAD,
        data,
        lambda v: run_import(svc, who, data),
        lambda w: "/imports/iati",
        lambda shown: _show(request, who, shown),
    )
