"""What every column of every table the ledger exports means, and what kind of value it holds, in one place.

The spreadsheets read both: the kind types the cell (money as a number with two decimals and the currency in
its header, dates as dates) and the definition goes on the workbook's "About" sheet. A column means the same in
every table (`GENERAL`) unless a table says otherwise (`BY_TABLE`). The words follow the README's definitions
("The coordination views"); a test holds every exported column to an entry here (one left out is written as text).
"""

from __future__ import annotations

from dataclasses import dataclass

MONEY = "money"  # a decimal string to the cent, in the reporting currency: a number, its currency in the header
DECIMAL = "decimal"  # a decimal string to the hundredth that is not money
FRACTION = "fraction"  # a decimal string to four places (shares, coverage, indices)
INTEGER = "integer"
CODE = "code"  # a whole number stays a number, anything else is text (group keys, statuses)
DATE = "date"  # an ISO date
MOMENT = "moment"  # an ISO date-time (UTC)
BOOLEAN = "boolean"  # written "yes" or "no" in the CSV
TEXT = "text"
NUMERIC = (MONEY, DECIMAL, FRACTION, INTEGER)


@dataclass(frozen=True)
class Meaning:
    kind: str
    text: str


def m(kind: str, text: str) -> Meaning:
    return Meaning(kind, text)


UNCONVERTED = "amounts of this book left in their own currency for want of an exchange rate, e.g. `EUR 100.00;GBP 5.00`"
GENERAL: dict[str, Meaning] = {
    "need_id": m(TEXT, "the need's id"),
    "programme_id": m(TEXT, "the programme's id"),
    "state": m(TEXT, "the State party (ISO alpha-3)"),
    "state_name": m(TEXT, "the State party's name"),
    "region": m(TEXT, "the State party's UN regional group"),
    "article": m(INTEGER, "the UNCAC article the need falls under"),
    "paragraph": m(TEXT, "the article's paragraph, when the need names one"),
    "chapter": m(TEXT, "the UNCAC chapter of the article"),
    "ta_types": m(TEXT, "the types of technical assistance asked for, `;`-separated"),
    "ta_type": m(TEXT, "the type of technical assistance (v2 codelist)"),
    "priority": m(TEXT, "the priority the State party gave the need: high, medium or low"),
    "horizon": m(TEXT, "current (needed now) or anticipated"),
    "currency": m(TEXT, "the reporting currency every converted amount is in"),
    "description": m(TEXT, "the need as the State party describes it"),
    "title": m(TEXT, "the programme's title"),
    "estimated": m(
        MONEY, "the need's estimated cost, converted at the latest rate on or before its value date; empty when unknown"
    ),
    "allocated_commitment": m(
        MONEY,
        "Σ over the active programmes linked to the need of their non-cancelled counted commitments × the need's share",
    ),
    "allocated_pledged": m(MONEY, "pledges allocated to the need by the same shares as commitments"),
    "allocated_disbursed": m(MONEY, "disbursements allocated to the need by the same shares as commitments"),
    "coverage": m(FRACTION, "allocated commitment ÷ estimated cost; empty without a converted estimate"),
    "gap": m(
        MONEY,
        "max(0, estimated cost − allocated commitment); empty (unknown, never 0) without a converted estimate",
    ),
    "classification": m(
        TEXT, "unmet (no active programme), partially-funded (coverage below 1 or unknown) or funded (coverage ≥ 1)"
    ),
    "providers": m(TEXT, "funders and implementers of the active programmes linked to the need, `;`-separated"),
    "unconverted_estimated": m(TEXT, f"estimated costs: {UNCONVERTED}"),
    "unconverted_committed": m(TEXT, f"commitments: {UNCONVERTED}"),
    "unconverted_pledged": m(TEXT, f"pledges: {UNCONVERTED}"),
    "unconverted_disbursed": m(TEXT, f"disbursements: {UNCONVERTED}"),
    "group_by": m(TEXT, "what the needs are grouped by: state, region, chapter, article or TA type"),
    "by": m(TEXT, "what the areas are: article, chapter, TA type or region"),
    "key": m(CODE, "the group's code (a state, region, chapter, article number or TA type)"),
    "label": m(TEXT, "the group's name"),
    "needs": m(INTEGER, "open needs counted in the row"),
    "needs_unmet": m(INTEGER, "of them, needs no active programme addresses"),
    "committed": m(MONEY, "Σ commitment allocated to the row's needs (non-cancelled, counted, net of corrections)"),
    "pledged": m(MONEY, "Σ pledges allocated to the row's needs"),
    "disbursed": m(MONEY, "Σ disbursements allocated to the row's needs"),
    "needs_without_estimate": m(INTEGER, "needs without an estimated cost: their gap is unknown and not summed"),
    "needs_estimate_unconverted": m(
        INTEGER, "needs whose estimate waits for an exchange rate: their gap is unknown and not summed"
    ),
    "needs_gap_unknown": m(INTEGER, "needs whose gap is unknown (no estimate, or no rate): not summed"),
    "programmes": m(TEXT, "titles of the active programmes, `;`-separated"),
    "funders": m(TEXT, "the funders' names, `;`-separated"),
    "implementers": m(TEXT, "the implementers' names, `;`-separated"),
    "committed_allocated_to_cell": m(
        MONEY, "commitment allocated to the cell's needs, each need's split equally over its TA types (adds up)"
    ),
    "unconverted_committed_allocated_to_cell": m(TEXT, f"the cell's split commitments: {UNCONVERTED}"),
    "hhi": m(
        FRACTION, "Herfindahl–Hirschman index of the funders' shares of the commitment (1: one funder); empty without"
    ),
    "effective_providers": m(DECIMAL, "1 ÷ HHI: how many equal funders the spread amounts to"),
    "overlap": m(BOOLEAN, "programmes of distinct funders (or implementers) active on the cell in shared periods"),
    "pairs": m(TEXT, "each such pair of programmes (titles, ` / ` between them), `;`-separated: duplicates to discuss"),
    "rank": m(INTEGER, "position in the ranking: more states, then higher unmet share, then larger Σ gap"),
    "states": m(INTEGER, "States parties with open needs in the area"),
    "state_codes": m(TEXT, "their ISO alpha-3 codes, `;`-separated"),
    "unmet_share": m(FRACTION, "unmet needs ÷ open needs"),
    "needs_high_priority": m(INTEGER, "open needs of high priority"),
    "needs_non_governmental_stakeholders": m(
        INTEGER, "open needs identified with non-governmental stakeholders (civil society, private sector, ...)"
    ),
    "status": m(CODE, "the programme's IATI activity status code"),
    "status_name": m(TEXT, "the activity status's name"),
    "start": m(DATE, "the programme's start date"),
    "end": m(DATE, "the programme's end date"),
    "disbursement_rate": m(FRACTION, "disbursed ÷ committed; empty when nothing is committed"),
    "deliveries": m(INTEGER, "deliveries recorded"),
    "last_delivery": m(DATE, "the date of the latest delivery"),
    "days_without_delivery": m(
        INTEGER, "in implementation: days since the last delivery (else the start, else registration)"
    ),
    "flags": m(TEXT, "over-disbursed, stalled (180 days quiet), overdue, net-negative, `;`-separated"),
    "unconfirmed_pledged": m(MONEY, "third-party reported pledges the funder has not confirmed: in no total"),
    "unconfirmed_committed": m(MONEY, "third-party reported commitments the funder has not confirmed: in no total"),
    "unconfirmed_disbursed": m(MONEY, "third-party reported disbursements the funder has not confirmed: in no total"),
    "third_party_reports": m(TEXT, "third-party reports not cancelled, each with whether its funder confirmed it"),
    "corrections": m(INTEGER, "counted corrections (commitment decreases, disbursement corrections)"),
    "decreased": m(TEXT, "what commitment decreases took off, per currency"),
    "corrected": m(TEXT, "what disbursement corrections took off, per currency"),
    "net_committed": m(TEXT, "commitments net of corrections, per currency (below zero: net-negative)"),
    "net_disbursed": m(TEXT, "disbursements net of corrections, per currency (below zero: net-negative)"),
    "gap_unknown_reason": m(TEXT, "why the gap is unknown: no estimate, or no exchange rate for its currency"),
    "source": m(TEXT, "where the need was identified: the kind of source and its reference"),
    "stakeholders": m(TEXT, "who took part in identifying the need (resolution para 15): `kind: name`, `;`-separated"),
    "assistance_provided": m(TEXT, "the assistance already being provided (para 7), with the programme it names"),
}

MONITORING = {
    "states": m(TEXT, "the programme's States parties, `;`-separated"),
    "committed": m(MONEY, "the programme's non-cancelled counted commitments, net of corrections"),
    "pledged": m(MONEY, "the programme's non-cancelled counted pledges"),
    "disbursed": m(MONEY, "the programme's counted disbursements, net of corrections"),
}
IRG = {
    "status": m(TEXT, "addressed (an active programme is linked to the need) or unmet"),
    "ta_types": m(TEXT, "the types of technical assistance (v2 codelist), `;`-separated"),
    "committed": m(MONEY, "the commitment allocated to the need"),
}
BY_TABLE: dict[str, dict[str, Meaning]] = {
    "provider-overlap": {
        "needs": m(INTEGER, "open needs in the cell"),
        "programmes": m(TEXT, "titles of the active programmes linked to the cell's open needs, `;`-separated"),
    },
    "programme-monitoring": MONITORING,
    "irg-report": IRG,
    "irg-summary": {
        "horizon": m(TEXT, "the part of the report: current or anticipated needs"),
        "needs": m(INTEGER, "the State party's open needs of this horizon"),
        "addressed": m(INTEGER, "of them, needs an active programme is linked to"),
        "unmet": m(INTEGER, "of them, needs no active programme addresses"),
        "estimated": m(MONEY, "Σ estimated cost over the needs with a converted estimate; empty if none has one"),
        "committed": m(MONEY, "Σ commitment allocated to the needs"),
        "gap": m(MONEY, "Σ gap over the needs with a converted estimate; empty if none has one"),
        "needs_with_estimate": m(INTEGER, "needs with a converted estimate: the sums above are over them"),
    },
    "needs": {
        "status": m(TEXT, "open, met or withdrawn"),
        "published": m(BOOLEAN, "whether the need is public (anonymous readers see published needs only)"),
        "classification": m(TEXT, GENERAL["classification"].text + "; empty for a need that is not open"),
        "identified_at": m(MOMENT, "when the need was recorded (UTC)"),
        "updated_at": m(MOMENT, "when the need last changed (UTC)"),
    },
    "programmes": {
        **MONITORING,
        "reporting_org": m(TEXT, "the organisation that reports the programme"),
        "iati_identifier": m(TEXT, "the programme's IATI activity identifier, when it has one"),
        "description": m(TEXT, "the programme as its reporting organisation describes it"),
        "active": m(BOOLEAN, "implementation or finalisation, or pipeline with a counted commitment"),
        "linked_needs": m(INTEGER, "needs linked to the programme that the reader may see"),
        "unpublished_needs": m(INTEGER, "linked needs the reader may not see (counted, never named)"),
        "registered_at": m(MOMENT, "when the programme was recorded (UTC)"),
        "updated_at": m(MOMENT, "when the programme last changed (UTC)"),
    },
}


UNDEFINED = Meaning(TEXT, "")  # a column added without a definition: text, until a test names it


def meaning(table: str, column: str) -> Meaning:
    """A column's kind and definition in a table."""
    return BY_TABLE.get(table, {}).get(column) or GENERAL.get(column, UNDEFINED)
