"""The demo's cast: States parties, providers and programme outlines (need themes: `themes.py`).

Organisation names are real so the screens read naturally; every need, programme, amount and
delivery is fictitious (programme identifiers say DEMO).
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

ANCHOR = date(2026, 11, 1)  # "today" for the demo's dates, fixed so every load is the same
SEED = 20261101


def _codes(text: str) -> list[str]:
    return text.split()


STATES = {  # UN regional group: States parties
    "African": _codes("KEN NGA GHA ZAF TZA UGA SEN CIV MAR TUN ZMB MOZ RWA SLE"),
    "Asia-Pacific": _codes("IDN PHL VNM BGD PAK MNG THA PNG FJI KGZ JOR LKA"),
    "Eastern European": _codes("UKR MDA GEO ARM ALB SRB MKD BIH"),
    "Latin American and Caribbean": _codes("COL PER ECU GTM HND DOM PRY BRA MEX JAM"),
    "Western European and Others": _codes("TUR GRC MLT PRT"),
}


class Provider(NamedTuple):
    ref: str
    name: str
    org_type: str
    country: str | None
    currency: str  # the currency its money is booked in (NOK has no rate: it stays unconverted)


PROVIDERS = [
    Provider("XM-DAC-41128", "United Nations Office on Drugs and Crime", "40", None, "USD"),
    Provider("XM-DAC-41114", "United Nations Development Programme", "40", None, "USD"),
    Provider("XM-DAC-44001", "World Bank (IBRD)", "40", None, "USD"),
    Provider("XI-IATI-EC_INTPA", "European Commission - International Partnerships", "40", None, "EUR"),
    Provider("GB-GOV-1", "Foreign, Commonwealth & Development Office", "10", "GBR", "GBP"),
    Provider("US-GOV-1", "U.S. Agency for International Development", "10", "USA", "USD"),
    Provider("NO-BRC-971277882", "Norwegian Agency for Development Cooperation", "10", "NOR", "NOK"),
    Provider("SE-0", "Swedish International Development Cooperation Agency", "10", "SWE", "SEK"),
    Provider("DE-1", "Federal Ministry for Economic Cooperation and Development", "10", "DEU", "EUR"),
    Provider("CH-4", "Swiss Agency for Development and Cooperation", "10", "CHE", "CHF"),
    Provider("DK-1", "Ministry of Foreign Affairs of Denmark", "10", "DNK", "DKK"),
    Provider("AU-5", "Department of Foreign Affairs and Trade", "10", "AUS", "AUD"),
    Provider("XM-DAC-5-52", "Deutsche Gesellschaft für Internationale Zusammenarbeit", "10", "DEU", "EUR"),
    Provider("FR-RCS-808589207", "Expertise France", "15", "FRA", "EUR"),
    Provider("DE-VR-VR16390B", "Transparency International", "21", "DEU", "EUR"),
    Provider("CH-FDJP-CHE109574548", "Basel Institute on Governance", "21", "CHE", "CHF"),
    Provider("GB-COH-10640733", "Open Ownership", "21", "GBR", "GBP"),
    Provider("NO-BRC-971249536", "Chr. Michelsen Institute (U4)", "80", "NOR", "NOK"),
    Provider("KE-NCB-OP2180512005", "Africa Centre for Open Governance", "22", "KEN", "USD"),
    Provider("CO-NIT-830047364", "Corporación Transparencia por Colombia", "22", "COL", "USD"),
    Provider("GB-COH-02594633", "Adam Smith International", "70", "GBR", "GBP"),
    Provider("US-EIN-541398463", "Development Alternatives Inc.", "70", "USA", "USD"),
    Provider("US-EIN-137029285", "Open Society Foundations", "60", "USA", "USD"),
    Provider("US-EIN-941655673", "William and Flora Hewlett Foundation", "60", "USA", "USD"),
]
FUNDERS = [
    "GB-GOV-1",
    "US-GOV-1",
    "NO-BRC-971277882",
    "SE-0",
    "DE-1",
    "CH-4",
    "DK-1",
    "AU-5",
    "XI-IATI-EC_INTPA",
    "XM-DAC-44001",
    "US-EIN-137029285",
    "US-EIN-941655673",
    "XM-DAC-41128",
]
IMPLEMENTERS = [
    "XM-DAC-41128",
    "XM-DAC-41114",
    "XM-DAC-44001",
    "XM-DAC-5-52",
    "FR-RCS-808589207",
    "DE-VR-VR16390B",
    "CH-FDJP-CHE109574548",
    "GB-COH-10640733",
    "NO-BRC-971249536",
    "GB-COH-02594633",
    "US-EIN-541398463",
]
NATIONAL_NGOS = {"KEN": "KE-NCB-OP2180512005", "COL": "CO-NIT-830047364"}
SELF_REPORTING = {
    "XM-DAC-41128",
    "XM-DAC-41114",
    "XM-DAC-44001",
}  # they report the programmes they run

# exchange rates into USD: a base around which quarterly rates wander
RATE_BASES = {
    "EUR": "1.12",
    "GBP": "1.29",
    "SEK": "0.104",
    "CHF": "1.06",
    "DKK": "0.150",
    "AUD": "0.70",
}
RATES_FROM = date(2018, 1, 1)


# (state, article): cells where several providers are active, so overlap has something to show
HOTSPOTS = [("KEN", 9), ("UKR", 6), ("IDN", 58), ("COL", 33), ("NGA", 54), ("MDA", 8), ("GTM", 36)]
OTHER_MECHANISMS = [
    "OECD Working Group on Bribery, Phase 4",
    "GRECO fifth evaluation round",
    "MESICIC sixth round",
    "FATF mutual evaluation",
    "ESAAMLG mutual evaluation",
]
DELIVERY_TEXT = {
    "training": "Training course for {who}",
    "expert-mission": "Expert mission to advise {who}",
    "legislative-drafting": "Drafting support: amendments reviewed with {who}",
    "workshop": "National workshop with {who} and civil society",
    "study": "Baseline study and gap analysis for {who}",
    "equipment": "IT equipment and case-management licences for {who}",
    "other": "Peer exchange visit for {who}",
}
# What a provider learned, recorded with a programme's last delivery (the /lessons page and search read them)
LESSONS = {
    "training": "Mixed classes of {who} and auditors worked better than separate ones; keep cases local and recent.",
    "expert-mission": "Agree terms of reference with {who} before travel; two short visits did more than one long one.",
    "legislative-drafting": "Involve parliament's legal staff early; {who} needed a plain summary of each amendment.",
    "workshop": "Civil society came once invitations went out four weeks ahead; publish the agenda with them.",
    "study": "Administrative data needed a data-sharing agreement first; budget two months for it with {who}.",
    "equipment": "Licences lapsed after the programme: plan the recurrent costs with {who} before buying.",
    "other": "Peer visits worked when {who} hosted counterparts from the same legal tradition.",
}
AUDIENCES = [
    "prosecutors",
    "investigators",
    "judges",
    "the anti-corruption agency",
    "procurement officers",
    "the financial intelligence unit",
    "the central authority",
    "parliamentary staff",
    "auditors",
]

# ---- programme scenarios ----

# scenarios that keep a programme active (hotspot programmes need that to overlap)
ACTIVE = ["active", "revised", "stalled", "active", "over-disbursed", "finalising"]
ACTIVE += ["pipeline-committed"]
OTHERS = (
    ["closed"] * 5
    + ["cancelled"] * 2
    + ["pipeline-pledged"] * 3
    + ["pipeline-committed"]
    + ["suspended"] * 2
    + ["stalled"] * 3
    + ["over-disbursed"] * 2
    + ["overdue"] * 4
    + ["finalising"] * 2
    + ["revised"] * 2
    + ["active"] * 8
)
REGIONAL = [  # reporting organisation, funders, states, where
    ("XM-DAC-41128", ["NO-BRC-971277882", "SE-0"], ["KEN", "TZA", "UGA"], "Eastern Africa"),
    ("XI-IATI-EC_INTPA", ["XI-IATI-EC_INTPA"], ["ALB", "SRB", "MKD", "BIH"], "the Western Balkans"),
    ("XM-DAC-5-52", ["DE-1"], ["COL", "PER", "ECU"], "the Andean region"),
    ("AU-5", ["AU-5"], ["PNG", "FJI"], "the Pacific"),
    ("XM-DAC-41128", ["US-GOV-1"], ["IDN", "PHL", "VNM"], "Southeast Asia"),
]
# (start: days before ANCHOR, end: days after ANCHOR); negative means the other side of ANCHOR
WINDOWS = {
    "active": ((400, 1100), (150, 900)),
    "revised": ((500, 1100), (60, 400)),
    "stalled": ((500, 1200), (150, 700)),
    "over-disbursed": ((600, 1300), (90, 500)),
    "finalising": ((700, 1400), (20, 120)),
    "suspended": ((300, 900), (300, 900)),
    "overdue": ((1100, 1800), (-400, -60)),
    "closed": ((1800, 2600), (-700, -200)),
    "cancelled": ((100, 500), (500, 1000)),
    "pipeline-pledged": ((-200, -30), (700, 1400)),
    "pipeline-committed": ((-150, -20), (600, 1300)),
}
DISBURSED = {
    "active": (30, 70),
    "revised": (40, 70),
    "stalled": (15, 40),
    "over-disbursed": (110, 135),
    "finalising": (85, 98),
    "suspended": (15, 30),
    "overdue": (60, 90),
    "closed": (95, 100),
}
