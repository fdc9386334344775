"""The IRG report's downloads in the reader's language, over real HTTP and from the CLI, on both stores: the
Markdown and the JSON labels follow `?lang=`, then the cookie, then Accept-Language; a CSV or spreadsheet is
headed in a language only when the request names it with `?lang=` (`--lang`), its cells the same in every
language; machine keys never change."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import openpyxl
from typer.testing import CliRunner

from api.cli.main import app
from api.root.services import Services
from api.web import i18n, i18n_words
from projections.views import irg_report
from tests.integration.views.test_report_command import env
from tests.support.views_world import build

REPORT = "/v1/reports/irg/KEN"
HEADERS = {  # the CSV's first columns as each language heads them
    "en": ["state", "horizon", "status", "need_id", "article"],
    "fr": ["État", "Horizon", "Statut", "Identifiant du besoin", "Article"],
    "es": ["Estado", "Horizonte", "Situación", "Identificador de la necesidad", "Artículo"],
}


def rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))


def cells(data: bytes) -> dict[str, list[list[Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_the_markdown_reads_in_the_readers_language_chosen_as_pages_are(services: Services, http: httpx.Client) -> None:
    w = build(services.ledger)
    wait = {"min_position": w.position, "format": "md"}
    # When the Markdown is asked for in French by ?lang=, in Spanish by Accept-Language, and with neither
    english = http.get(REPORT, params=wait)
    spanish = http.get(REPORT, params=wait, headers={"Accept-Language": "es-MX,es;q=0.9"})
    french = http.get(REPORT, params={**wait, "lang": "fr"})  # last: it leaves the lang cookie
    # Then each reads in its language, amounts written its way, and says so
    assert french.headers["content-language"] == "fr"
    assert french.text.startswith("# Besoins d’assistance technique : Kenya (KEN)")
    assert "## Besoins actuels" in french.text and "### Non satisfaits" in french.text
    assert "Besoins ouverts : 4 (pris en charge : 3, non satisfaits : 1)." in french.text
    assert "Engagé : 90\u202f000,00 USD." in french.text
    assert "| Article | Types d’AT | Priorité | Coût estimé (USD) |" in french.text
    assert spanish.headers["content-language"] == "es"
    assert spanish.text.startswith("# Necesidades de asistencia técnica: Kenia (KEN)")
    assert "## Necesidades actuales" in spanish.text and "Comprometido: 90.000,00 USD." in spanish.text
    # And English is the report as it always was
    assert english.text.startswith("# Technical assistance needs of Kenya (KEN)")
    assert english.text == irg_report.markdown(http.get(REPORT, params={"as_of": english_position(english)}).json())


def english_position(markdown: httpx.Response) -> int:
    line = next(x for x in markdown.text.splitlines() if x.startswith("As of ledger position "))
    return int(line.removeprefix("As of ledger position ").rstrip("."))


def test_the_json_carries_labels_in_the_readers_language_and_its_keys_never_change(
    services: Services, http: httpx.Client
) -> None:
    w = build(services.ledger)
    wait = {"min_position": w.position}
    english = http.get(REPORT, params=wait).json()
    french = http.get(REPORT, params=wait, headers={"Accept-Language": "fr"}).json()
    # Then the answer is the same report, only its labels differ
    assert {k: v for k, v in french.items() if k != "labels"} == {k: v for k, v in english.items() if k != "labels"}
    labels = french["labels"]
    assert labels["language"] == "fr" and labels["title"] == "Besoins d’assistance technique : Kenya (KEN)"
    assert labels["horizons"] == {"current": "Besoins actuels", "anticipated": "Besoins prévus"}
    assert labels["statuses"] == {"addressed": "Pris en charge", "unmet": "Non satisfaits"}
    assert labels["priorities"]["high"] == "haute" and labels["fields"]["need_id"] == "Identifiant du besoin"
    assert set(labels["ta_types"]) == {
        t for h in ("current", "anticipated") for i in french[h]["items"] for t in i["ta_types_v2"]
    }
    # And every CSV column and summary figure is labelled
    assert set(irg_report.COLUMNS) <= set(labels["fields"])
    assert english["labels"]["horizons"]["current"] == "Current needs" and english["labels"]["language"] == "en"


def test_a_csv_is_headed_in_a_language_only_when_the_request_names_it(services: Services, http: httpx.Client) -> None:
    w = build(services.ledger)
    wait = {"min_position": w.position, "format": "csv"}
    english = rows(http.get(REPORT, params=wait))
    # When a browser that prefers French, or has the French cookie, downloads the CSV, it stays English-headed
    assert rows(http.get(REPORT, params=wait, headers={"Accept-Language": "fr"}))[0] == irg_report.COLUMNS
    assert rows(http.get(REPORT, params=wait, headers={"Cookie": "lang=es"}))[0] == irg_report.COLUMNS
    assert english[0] == irg_report.COLUMNS
    for language in ("fr", "es"):
        # When the request names the language, the headers are in it, and every cell is as in English
        named = rows(http.get(REPORT, params={**wait, "lang": language}))
        assert named[0][:5] == HEADERS[language]
        with i18n.using(language):
            assert named[0] == [i18n_words.column(h) for h in irg_report.COLUMNS]
        assert named[1:] == english[1:] and len(english) > 2


def test_a_spreadsheet_named_in_spanish_has_spanish_sheets_headers_and_about_and_the_same_cells(
    services: Services, http: httpx.Client
) -> None:
    w = build(services.ledger)
    wait = {"min_position": w.position, "format": "xlsx"}
    english = cells(http.get(REPORT, params=wait).content)
    browser = cells(http.get(REPORT, params=wait, headers={"Accept-Language": "es"}).content)
    spanish = cells(http.get(REPORT, params={**wait, "lang": "es"}).content)
    # Then without ?lang= the workbook is English, whatever the browser prefers
    assert list(browser) == list(english) == ["Current needs", "Anticipated needs", "Summary", "About"]
    # And named in Spanish, its sheets, headers and About read in Spanish, money naming its currency
    assert list(spanish) == ["Necesidades actuales", "Necesidades previstas", "Resumen", "Acerca de"]
    head = spanish["Necesidades actuales"][0]
    assert head[:3] == ["Estado", "Horizonte", "Situación"]
    assert "Comprometido (USD)" in head
    about = {r[0]: r[1] for r in spanish["Acerca de"] if r and r[0]}
    assert about["Tabla"] == "irg-report" and about["Moneda de referencia"] == "USD"
    assert about["Identificador de la necesidad"] == "el identificador de la necesidad"
    # And every cell below the headers is the English workbook's
    for (name, sheet), (_, theirs) in zip(list(english.items())[:3], list(spanish.items())[:3], strict=True):
        assert sheet[1:] == theirs[1:], name


def test_the_report_command_speaks_the_language_lang_names(services: Services) -> None:
    build(services.ledger)
    runner = CliRunner()
    french = runner.invoke(app, ["report", "irg", "KEN", "--lang", "fr"], env=env(services.settings))
    assert french.exit_code == 0, french.output
    assert french.stdout.startswith("# Besoins d’assistance technique : Kenya (KEN)")
    csv_es = runner.invoke(app, ["report", "irg", "KEN", "--format", "csv", "--lang", "es"], env=env(services.settings))
    assert csv_es.stdout.removeprefix("\ufeff").split(",")[:2] == ["Estado", "Horizonte"]
    labels = runner.invoke(
        app, ["report", "irg", "KEN", "--format", "json", "--lang", "es"], env=env(services.settings)
    )
    assert '"title": "Necesidades de asistencia técnica: Kenia (KEN)"' in labels.stdout
    unknown = runner.invoke(app, ["report", "irg", "KEN", "--lang", "de"], env=env(services.settings))
    assert unknown.exit_code != 0 and "unknown language 'de'" in unknown.output


def test_the_report_page_in_french_links_its_downloads_in_french(services: Services, http: httpx.Client) -> None:
    w = build(services.ledger)
    page = http.get("/reports/irg/KEN", params={"lang": "fr", "as_of": w.position}, headers={"Accept": "text/html"})
    links = dict(re.findall(r'<a href="(/v1/reports/irg/KEN\?[^"]+)"[^>]*>([^<]+)</a>', page.text))
    assert len(links) == 3 and all("lang=fr" in href for href in links), links
    # and the CSV it links is headed in French, as a person reading the page expects
    csv_link = next(href for href in links if "format=csv" in href).replace("&amp;", "&")
    assert rows(http.get(csv_link))[0][:5] == HEADERS["fr"]
    english = http.get("/reports/irg/KEN", params={"lang": "en"}, headers={"Accept": "text/html"}).text
    assert "format=csv" in english and "lang=" not in re.findall(r'href="(/v1/reports/irg/KEN\?[^"]+)"', english)[0]
