"""A problem's `detail` reads in the reader's language where its code alone says what the text is; any other
detail stays as written, and English readers get it as raised. Each detail listed is one the code really raises."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest

from api.http.codes import CODES
from api.http.problem_details import DETAILS, translated
from api.web import i18n
from domain.keys import ApiKey
from domain.needs import Need
from domain.organisations import Organisation
from domain.programmes import Programme
from tests.paths import ROOT

SOURCES = "\n".join(p.read_text(encoding="utf-8") for d in ("api", "domain") for p in (ROOT / d).rglob("*.py"))


@pytest.mark.parametrize(
    ("code", "detail", "french", "spanish"),
    [
        (
            "need-not-found",
            "no need with id 5f0c",
            "aucun besoin d’identifiant 5f0c",
            "ninguna necesidad con el identificador 5f0c",
        ),
        ("not-found", "Not Found", "Introuvable", "No encontrado"),
        (
            "forbidden",
            "a provider key may not POST /v1/needs",
            "une clé de rôle « provider » ne peut pas : POST /v1/needs",
            "una clave de rol «provider» no puede: POST /v1/needs",
        ),
        (
            "csrf-token-invalid",
            "this form is not one this session was given; open it again",
            "ce formulaire n’a pas été donné à cette session ; rouvrez-le",
            "este formulario no se entregó a esta sesión; vuelva a abrirlo",
        ),
        (
            "sign-in-rate-limited",
            "too many failed sign-ins; try again in 42 seconds",
            "trop de connexions échouées ; réessayez dans 42 secondes",
            "demasiados inicios de sesión fallidos; vuelva a intentarlo en 42 segundos",
        ),
        ("invalid-request", "the request is not valid", "la requête n’est pas valide", "la solicitud no es válida"),
    ],
)
def test_a_detail_the_code_determines_reads_in_french_and_spanish_its_values_as_written(code, detail, french, spanish):
    with i18n.using("fr"):
        assert translated(code, detail) == french
    with i18n.using("es"):
        assert translated(code, detail) == spanish
    with i18n.using("en"):
        assert translated(code, detail) == detail


def test_any_other_detail_stays_as_written():
    with i18n.using("fr"):
        # the domain's own words, with the values it refused, and a known text under another code
        assert translated("unknown-state", "no State party with code 'XXX'") == "no State party with code 'XXX'"
        assert translated("forbidden", "no need with id 5f0c") == "no need with id 5f0c"
        assert translated("need-not-found", "no need with id") == "no need with id"  # no value: not that message


def test_every_detail_listed_is_one_the_code_raises():
    # a raise reworded without its entry here would silently stay English: each message's fixed words are in the
    # code, in Starlette's status phrases, or the ledger's "no {what} with id" of an aggregate class it holds
    phrases = {s.phrase for s in HTTPStatus}
    aggregates = {c.__name__.lower() for c in (Need, Programme, Organisation, ApiKey)}
    for code, messages in DETAILS.items():
        assert code in CODES, code
        for message in messages:
            fixed = max(re.split(r"%\(\w+\)s", message), key=len).strip()
            loaded = re.fullmatch(r"no (\w+) with id %\(id\)s", message)
            if loaded:
                assert loaded[1] in aggregates and 'f"no {what} with id {aggregate_id}"' in SOURCES, message
            else:
                assert fixed in SOURCES or fixed in phrases, message
