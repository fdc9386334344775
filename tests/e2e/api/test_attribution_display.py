"""Third-party reports as every reader sees them (issue 16, attribution): "reported by X, not confirmed by Y" in the
programme's detail, programme-monitoring (JSON and CSV), the programme's page and the IATI export. Real HTTP,
both stores."""

from __future__ import annotations

import csv
import html
import io

from lxml import etree

from tests.e2e.api.test_attribution_reports import MONEY, Reports, r  # noqa: F401 (r: the fixture)
from tests.support.servers import LiveServer, client_for

NOTE = "reported by Foreign, Commonwealth & Development Office, not confirmed by Federal Foreign Office"


def test_a_report_reads_reported_by_x_not_confirmed_by_y_in_the_api_the_page_the_views_and_the_exports(
    server: LiveServer,
    keys: dict[str, str],
    r: Reports,  # noqa: F811 (the imported fixture)
) -> None:
    with client_for(server, keys["provider"]) as fcdo, client_for(server, r.german_key) as german:
        # Given a commitment the FCDO reports in the German Foreign Office's name, and one the German key disputed
        fcdo.post(
            f"/v1/programmes/{r.programme}/commitments",
            json={"commitment_id": "claimed", "funder": str(r.german), **MONEY, "amount": "9000"},
        )
        german.post(f"/v1/programmes/{r.programme}/commitments/claimed/dispute", json={"reason": "never agreed"})
        written = fcdo.post(
            f"/v1/programmes/{r.programme}/commitments",
            json={"commitment_id": "de-c", "funder": str(r.german), **MONEY},
        )
        position = written.json()["position"]
        # Then the programme's detail says who reported it and that the funder has not confirmed it
        detail = fcdo.get(f"/v1/programmes/{r.programme}").json()
        notes = {c["commitment_id"]: c.get("note") for c in detail["commitments"]}
        assert notes["de-c"] == NOTE
        assert notes["claimed"] == (
            "reported by Foreign, Commonwealth & Development Office, disputed by Federal Foreign Office: never agreed"
        )
        # And programme-monitoring lists it apart from the totals, in JSON and in CSV
        monitoring = fcdo.get("/v1/views/programme-monitoring", params={"min_position": position}).json()
        [item] = [i for i in monitoring["items"] if i["programme_id"] == str(r.programme)]
        assert (item["committed"], item["unconfirmed"]["committed"]) == ("0.00", "250000.00")
        assert {x["note"] for x in item["reports"]} >= {NOTE}
        answer = fcdo.get("/v1/views/programme-monitoring", params={"format": "csv", "min_position": position})
        [row] = [x for x in csv.DictReader(io.StringIO(answer.text.removeprefix("\ufeff")))]
        assert (row["committed"], row["unconfirmed_committed"]) == ("0.00", "250000.00")
        assert f"commitment USD 250000 {NOTE}" in row["third_party_reports"].split(";")
        # And the programme's page shows it, not counted
        page = fcdo.get(f"/programmes/{r.programme}")
        assert page.status_code == 200, page.text
        assert html.escape(NOTE) in page.text and 'id="unconfirmed"' in page.text
        # And the IATI export carries the unconfirmed report with the note, and not the disputed one
        xml = fcdo.get("/v1/exports/iati", params={"min_position": position})
        assert xml.status_code == 200, xml.text
        transactions = {
            t.get("ref"): t.findtext("description/narrative") for t in etree.fromstring(xml.content).iter("transaction")
        }
        assert transactions["de-c"] == NOTE and "claimed" not in transactions
