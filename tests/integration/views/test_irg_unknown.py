"""irg-report: a gap that cannot be known is null with its reason (JSON), an empty cell beside its
reason (CSV) and "unknown (why)" in Markdown, never 0.00."""

from __future__ import annotations

from api.root.services import Services
from projections.views import irg_report
from tests.support.views_world import build, current_rows


def test_the_irg_report_says_why_a_gap_is_unknown_in_json_csv_and_markdown(services: Services) -> None:
    # Given the world: KEN's C and H have no estimate; UGA's D is estimated in GBP, which has no rate
    build(services.ledger)
    needs, _ = current_rows(services)
    kenya, uganda = irg_report.view(needs, "KEN", "USD"), irg_report.view(needs, "UGA", "USD")
    # Then JSON: null figures with a reason, a known gap with none
    reasons = {i["description"]: (i["estimated"], i["gap"], i["gap_unknown_reason"]) for i in kenya["current"]["items"]}
    assert reasons["C"] == reasons["H"] == (None, None, "no estimate")
    assert reasons["A"] == ("100000.00", "60000.00", None)
    d = uganda["current"]["items"][0]
    assert (d["estimated"], d["gap"], d["gap_unknown_reason"]) == (None, None, "no exchange rate for GBP")
    # And Uganda's totals are unknown (null), not 0.00, since no need there has a converted estimate
    h = uganda["current"]
    assert (h["estimated"], h["gap"], h["needs_with_estimate"], h["needs_estimate_unconverted"]) == (None, None, 0, 1)
    # And CSV: an empty cell and the reason beside it
    headers, rows = irg_report.csv_rows(uganda)
    row = dict(zip(headers, rows[0], strict=True))
    assert (row["estimated"], row["gap"], row["gap_unknown_reason"]) == ("", "", "no exchange rate for GBP")
    # And Markdown: "unknown" with why, never "Estimated 0.00" or "gap 0.00"
    text = irg_report.markdown(uganda)
    assert "0.00 USD" not in text.split("Committed")[0]
    assert "Estimated cost and gap: unknown (1 without an exchange rate)" in text
    assert "| unknown (no exchange rate for GBP) |" in text
    kenya_md = irg_report.markdown(kenya)
    assert "Gap unknown for 2 (2 without an estimate)" in kenya_md
    assert "| unknown (no estimate) |" in kenya_md
