"""Texts written out so that the catalogues hold them stay equal to what they describe."""

from __future__ import annotations

from api.web.need_more_forms import STAKEHOLDERS
from domain.stakeholders import MAX_STAKEHOLDERS, STAKEHOLDER_KINDS
from projections.views import irg_report
from projections.views.workbooks import first_paragraph


def test_the_stakeholder_hint_names_every_kind_and_the_maximum():
    assert f"Kinds: {', '.join(STAKEHOLDER_KINDS)}. At most {MAX_STAKEHOLDERS}." in STAKEHOLDERS.hint


def test_what_an_irg_workbook_says_it_shows_is_the_reports_own_summary():
    assert first_paragraph(irg_report) == irg_report.WHAT
