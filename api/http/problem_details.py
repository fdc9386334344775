"""A problem's `detail` in the reader's language, where its code alone says what the text is.

Each code below lists the English details it is answered with, `%(name)s` standing for the values the text names
(an id, a role, a number of seconds). A detail that reads as one of them is given in the reader's language, its
values as written; any other detail (the domain's, written with the values it refused) stays English, as does an
`invalid-request`'s field list (docs/languages.md). The messages are the catalogue's (`make messages`).
"""

from __future__ import annotations

import re
from functools import cache

from api.web.i18n import DEFAULT, N_, current, gettext

DETAILS: dict[str, tuple[str, ...]] = {
    "not-found": (
        N_("Not Found"),
        N_("no such file"),
        N_("no action %(action)s on a need"),
        N_("no action %(action)s on a programme"),
    ),
    "need-not-found": (N_("no need with id %(id)s"),),
    "programme-not-found": (N_("no programme with id %(id)s"),),
    "organisation-not-found": (N_("no organisation with id %(id)s"), N_("no organisation with ref %(ref)s")),
    "apikey-not-found": (N_("no apikey with id %(id)s"),),
    "stream-not-found": (N_("no events recorded for %(stream)s"),),
    "unknown-commitment": (N_("no commitment %(id)s on this programme"),),
    "unknown-disbursement": (N_("no disbursement %(id)s on this programme"),),
    "unknown-delivery": (N_("no delivery %(id)s on this programme"),),
    "unknown-correction": (N_("no correction %(id)s on this programme"),),
    "method-not-allowed": (N_("Method Not Allowed"),),
    "unauthenticated": (N_("this needs an API key"),),
    "api-key-required": (N_("paste your API key"),),
    "invalid-credentials": (
        N_("the key is unknown or revoked"),
        N_("this key is unknown or revoked; check it and retry"),
        N_("send 'Authorization: Bearer <key>'"),
    ),
    "forbidden": (N_("a %(role)s key may not %(action)s"),),
    "forbidden-scope": (
        N_("this key may not write needs of %(state)s"),
        N_("this key may write only programmes its organisation funds or reports"),
        N_("this key may change only commitments its organisation funds or reported"),
    ),
    "csrf-token-invalid": (
        N_("this form is not one this session was given; open it again"),
        N_("a sign-in sent from another site's page is refused"),
    ),
    "form-expired": (N_("open the form again and send it once more"),),
    "sign-in-rate-limited": (N_("too many failed sign-ins; try again in %(seconds)s seconds"),),
    "invalid-request": (N_("the request is not valid"), N_("the request body could not be parsed")),
    "store-unavailable": (N_("the ledger's database is unavailable; retry shortly"),),
    "internal-error": (N_("an unexpected error occurred"),),
}
PLACEHOLDER = re.compile(r"%\\\((\w+)\\\)s")  # `%(name)s` as re.escape writes it


@cache
def _pattern(message: str) -> re.Pattern[str]:
    """The English message as a pattern its details match, each placeholder a named group."""
    return re.compile(PLACEHOLDER.sub(r"(?P<\1>.+?)", re.escape(message)), re.DOTALL)


def translated(code: str, detail: str) -> str:
    """`detail` in the reader's language when it is one the code is answered with; else as it was written."""
    if current() == DEFAULT:
        return detail
    for message in DETAILS.get(code, ()):
        found = _pattern(message).fullmatch(detail)
        if found:
            return gettext(message, **found.groupdict())
    return detail
