"""Every stable problem `code` the API answers, with its HTTP status and its title, in one table.

The exception → problem mapping (`api/http/problems.py`) answers a code with the status and title
written here, and the OpenAPI document lists them; tests/unit/http/test_codes.py holds this table
equal to the codes the domain and the HTTP layer raise. The codes a refused IATI activity is
skipped with (`forbidden-scope`, `no-party-state`, ...) are listed too: the import report names them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    status: int
    title: str


STATUS_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
    504: "Timed out",
}

_HTTP = {  # the HTTP layer: requests, keys, preconditions, paging, the store
    "invalid-request": Code(422, "The request is not valid"),
    "http-error": Code(400, "The request was refused"),
    "not-found": Code(404, "No such resource"),
    "method-not-allowed": Code(405, "Method not allowed"),
    "request-too-large": Code(413, "Request too large"),
    "request-timeout": Code(408, "The request body did not arrive in time"),
    "demo-local-only": Code(403, "The demo answers this machine's clients only"),
    "unsupported-media-type": Code(415, "Unsupported media type"),
    "file-required": Code(422, "No file sent"),
    "unauthenticated": Code(401, "An API key is needed"),
    "invalid-credentials": Code(401, "The API key is unknown or revoked"),
    "forbidden": Code(403, "The key's role may not do this"),
    "forbidden-scope": Code(403, "Outside the key's State or organisation"),
    "not-reporting-organisation": Code(403, "A provider key registers only programmes its organisation reports"),
    "not-the-funder": Code(403, "Only the funder's key confirms or disputes money reported in its name"),
    "invalid-if-match": Code(400, "If-Match is not an ETag"),
    "invalid-idempotency-key": Code(400, "Idempotency-Key is empty or too long"),
    "idempotency-key-reused": Code(409, "Idempotency-Key used for another request"),
    "idempotency-in-progress": Code(409, "The first request with this Idempotency-Key is still running"),
    "invalid-cursor": Code(422, "Not a cursor this API gave"),
    "invalid-as-of": Code(422, "as_of is neither a date-time nor a position"),
    "position-beyond-head": Code(422, "No write has that position yet"),
    "view-lagging": Code(503, "The views have not reached that position yet"),
    "store-unavailable": Code(503, "The ledger's database is unavailable"),
    "unsealed-record": Code(503, "A record the ledger did not write is in the log"),
    "internal-error": Code(500, "Unexpected error"),
    "stream-not-found": Code(404, "No events recorded for that stream"),
    "unknown-region": Code(422, "Unknown region"),
    "unknown-chapter": Code(422, "Unknown chapter"),
    "control-character": Code(422, "A parameter holds a control character"),
    "invalid-reason": Code(422, "X-Reason is too long, not UTF-8, or holds control characters"),
    "csrf-token-invalid": Code(403, "The form's CSRF token is missing or not this session's"),
    "sign-in-rate-limited": Code(429, "Too many failed sign-ins from this address"),
    "form-expired": Code(422, "The form has no valid form token; open it again"),
    "api-key-required": Code(422, "No API key given"),
}

_INPUT = {  # the domain: input wrong on its own
    "unknown-article": Code(422, "Not an UNCAC article"),
    "invalid-paragraph": Code(422, "The paragraph does not name the article"),
    "unknown-state": Code(422, "Unknown State"),
    "not-a-party": Code(422, "Not a State party to UNCAC"),
    "ta-types-required": Code(422, "No technical-assistance type named"),
    "unknown-ta-type": Code(422, "Unknown technical-assistance type"),
    "unknown-currency": Code(422, "Unknown currency"),
    "invalid-amount": Code(422, "Not a positive decimal amount in plain notation"),
    "amount-too-precise": Code(422, "More decimal places than the currency's minor units"),
    "date-out-of-range": Code(422, "The date is before 1990 or more than 15 years ahead"),
    "delivery-in-future": Code(422, "The delivery date is in the future"),
    "unknown-organisation-type": Code(422, "Unknown IATI organisation type"),
    "invalid-status": Code(422, "Unknown IATI activity status"),
    "unknown-cycle": Code(422, "Unknown review cycle"),
    "invalid-source": Code(422, "The need's source is not valid"),
    "invalid-stakeholder": Code(422, "A stakeholder's kind is unknown or its name empty or too long"),
    "too-many-stakeholders": Code(422, "Too many stakeholders"),
    "invalid-assistance": Code(422, "The assistance already provided is empty or too long"),
    "invalid-horizon": Code(422, "Unknown horizon"),
    "invalid-priority": Code(422, "Unknown priority"),
    "invalid-role": Code(422, "Unknown role"),
    "invalid-delivery-kind": Code(422, "Unknown kind of delivery"),
    "description-required": Code(422, "The description is empty"),
    "reason-required": Code(422, "The reason is empty"),
    "title-required": Code(422, "The title is empty"),
    "invalid-name": Code(422, "The name is empty"),
    "invalid-ref": Code(422, "The organisation identifier is empty"),
    "invalid-commitment-id": Code(422, "The commitment id is empty"),
    "invalid-disbursement-id": Code(422, "The disbursement id is empty"),
    "invalid-delivery-id": Code(422, "The delivery id is empty"),
    "lessons-required": Code(422, "The lessons are empty"),
    "lessons-too-long": Code(422, "The lessons are too long"),
    "invalid-correction-id": Code(422, "The correction id is empty"),
    "nothing-to-revise": Code(422, "Nothing to revise"),
    "invalid-share": Code(422, "A share is in (0, 1]"),
    "end-before-start": Code(422, "The end is before the start"),
    "funder-required": Code(422, "No funder named"),
    "states-required": Code(422, "No State party named"),
    "invalid-participants": Code(422, "Participants cannot be negative"),
    "unknown-organisation": Code(422, "Unknown organisation"),
    "scope-required": Code(422, "The key's State or organisation is missing"),
    "scope-not-allowed": Code(422, "This role is not bound to a State or organisation"),
    "invalid-rate": Code(422, "Not a positive decimal rate"),
    "rate-for-reporting-currency": Code(422, "The reporting currency's rate is 1"),
    "iati-version-unsupported": Code(422, "IATI version not supported"),
    "iati-xml-malformed": Code(422, "The file is not well-formed XML"),
    "iati-xml-dtd-forbidden": Code(422, "The file declares a DTD or entities"),
    "iati-empty": Code(422, "The file holds no XML"),
    "iati-not-activities": Code(422, "Not an IATI activities file"),
    "no-recipient-country": Code(422, "The activity names no recipient country"),
    "no-party-state": Code(422, "None of the activity's countries is a State party"),
    "invalid-money-kind": Code(422, "Not a pledge, commitment or disbursement"),
}

_STATE = {  # the domain: the input is fine, the state forbids it, or it is missing
    "need-not-found": Code(404, "No such need"),
    "programme-not-found": Code(404, "No such programme"),
    "organisation-not-found": Code(404, "No such organisation"),
    "apikey-not-found": Code(404, "No such API key"),
    "unknown-commitment": Code(404, "No such commitment on this programme"),
    "version-mismatch": Code(412, "The version is not the current one"),
    "concurrent-change": Code(409, "Changed concurrently; try again"),
    "already-exists": Code(409, "Already exists"),
    "organisation-already-registered": Code(409, "Organisation already registered"),
    "name-unchanged": Code(409, "The name is unchanged"),
    "need-closed": Code(409, "The need is closed"),
    "need-not-closed": Code(409, "The need is open"),
    "need-already-published": Code(409, "The need is already published"),
    "stakeholders-unchanged": Code(409, "These are the need's stakeholders already"),
    "assistance-unchanged": Code(409, "The need says this of the assistance provided already"),
    "key-already-revoked": Code(409, "The key is already revoked"),
    "programme-closed": Code(409, "The programme is closed or cancelled"),
    "programme-not-delivering": Code(409, "The programme is not in implementation or finalisation"),
    "funder-not-on-programme": Code(409, "Not a funder of this programme"),
    "need-already-linked": Code(409, "The need is already linked"),
    "need-not-linked": Code(409, "The need is not linked to this programme"),
    "need-state-not-on-programme": Code(409, "The need's State is not one of the programme's"),
    "shares-exceed-one": Code(409, "The shares would sum to more than 1"),
    "duplicate-commitment": Code(409, "Commitment already recorded"),
    "duplicate-disbursement": Code(409, "Disbursement already recorded"),
    "duplicate-delivery": Code(409, "Delivery already recorded"),
    "duplicate-correction": Code(409, "Correction already recorded"),
    "unknown-correction": Code(404, "No such correction on this programme"),
    "unknown-delivery": Code(404, "No such delivery on this programme"),
    "lessons-unchanged": Code(409, "The delivery already records these lessons"),
    "commitment-cancelled": Code(409, "The commitment is cancelled"),
    "amount-unchanged": Code(409, "The amount is unchanged"),
    "status-unchanged": Code(409, "The status is unchanged"),
    "period-unchanged": Code(409, "The period is unchanged"),
    "rate-already-recorded": Code(409, "Another rate is recorded for that day"),
    "transaction-kind-changed": Code(409, "The transaction changed kind"),
    "unknown-disbursement": Code(404, "No such disbursement on this programme"),
    "third-party-not-reporter": Code(409, "Only the programme's reporting organisation reports another funder's money"),
    "report-by-funder": Code(409, "A funder records its own money; it does not report it"),
    "not-a-third-party-report": Code(409, "The money was recorded by its funder: nothing to confirm or dispute"),
    "report-already-confirmed": Code(409, "The funder has already confirmed this report"),
    "report-already-disputed": Code(409, "The funder has already disputed this report"),
}

CODES: dict[str, Code] = {**_HTTP, **_INPUT, **_STATE}


def title(code: str, status: int) -> str:
    """The code's title; a status's own title for a code the table lacks."""
    known = CODES.get(code)
    return known.title if known else STATUS_TITLES.get(status, "Error")
