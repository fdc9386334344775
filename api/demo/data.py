"""The demo's cast: States parties, providers, need themes and programme outlines.

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


class Theme(NamedTuple):
    article: int
    paragraph: str | None
    description: str
    ta_types: tuple[str, ...]
    short: str  # for programme titles


THEMES = [
    Theme(
        5,
        "5(1)",
        "Monitoring and evaluation framework for the national anti-corruption strategy",
        ("policymaking", "research-data-analysis"),
        "Anti-corruption strategy monitoring",
    ),
    Theme(
        5,
        "5(3)",
        "Periodic evaluation of anti-corruption laws and administrative measures",
        ("research-data-analysis",),
        "Evaluation of anti-corruption measures",
    ),
    Theme(
        6,
        "6(2)",
        "Operational independence, staffing and budget of the anti-corruption agency",
        ("institution-building", "action-plan"),
        "Anti-corruption agency strengthening",
    ),
    Theme(
        7,
        "7(3)",
        "Transparency in the funding of candidates and political parties",
        ("legislative-assistance",),
        "Political finance transparency",
    ),
    Theme(
        7,
        "7(4)",
        "Conflict-of-interest rules and their management in the civil service",
        ("legal-advice", "capacity-building"),
        "Conflict-of-interest management",
    ),
    Theme(
        8,
        "8(5)",
        "Electronic asset and interest declarations with risk-based verification",
        ("institution-building", "capacity-building"),
        "Asset declaration verification",
    ),
    Theme(
        9,
        "9(1)",
        "E-procurement platform and integrity training for procurement officers",
        ("institution-building", "capacity-building"),
        "Public procurement integrity",
    ),
    Theme(
        9,
        "9(2)",
        "Budget transparency and internal audit in public financial management",
        ("policymaking", "capacity-building"),
        "Public finance transparency",
    ),
    Theme(
        10,
        "10(a)",
        "Implementation of the access-to-information law by public bodies",
        ("legislative-assistance", "capacity-building"),
        "Access to information",
    ),
    Theme(
        11,
        "11(1)",
        "Judicial integrity: code of conduct, training and random case allocation",
        ("capacity-building", "good-practices"),
        "Judicial integrity",
    ),
    Theme(
        12,
        "12(2)(c)",
        "Beneficial ownership register for companies and legal arrangements",
        ("legislative-drafting", "institution-building"),
        "Beneficial ownership transparency",
    ),
    Theme(
        13,
        "13(1)",
        "Participation of civil society and media in anti-corruption monitoring",
        ("capacity-building",),
        "Civil society engagement",
    ),
    Theme(
        14,
        "14(1)(a)",
        "Risk-based anti-money-laundering supervision of banks and DNFBPs",
        ("capacity-building", "institution-building"),
        "AML supervision",
    ),
    Theme(
        15,
        None,
        "Criminal code amendments on active and passive bribery of national officials",
        ("legislative-drafting",),
        "Bribery offences reform",
    ),
    Theme(
        16,
        "16(1)",
        "Criminalisation of bribery of foreign public officials",
        ("legislative-drafting", "model-legislation"),
        "Foreign bribery",
    ),
    Theme(
        17,
        None,
        "Investigation of embezzlement in state-owned enterprises",
        ("capacity-building",),
        "SOE embezzlement investigations",
    ),
    Theme(
        20,
        None,
        "Illicit enrichment: offence design and financial investigation",
        ("legal-advice", "on-site-expert"),
        "Illicit enrichment",
    ),
    Theme(
        23,
        "23(1)",
        "Investigation and prosecution of laundering of proceeds of corruption",
        ("capacity-building",),
        "Money-laundering prosecutions",
    ),
    Theme(
        26,
        "26(1)",
        "Liability of legal persons for corruption offences",
        ("legislative-drafting", "legal-advice"),
        "Corporate liability",
    ),
    Theme(
        30,
        "30(1)",
        "Sentencing data and case-tracking for corruption offences",
        ("research-data-analysis",),
        "Corruption case statistics",
    ),
    Theme(
        31,
        "31(3)",
        "Asset management office for seized and confiscated property",
        ("institution-building",),
        "Seized asset management",
    ),
    Theme(
        32,
        None,
        "Witness and expert protection programme",
        ("legislative-assistance", "institution-building"),
        "Witness protection",
    ),
    Theme(
        33,
        None,
        "Whistle-blower protection law and secure reporting channels",
        ("legislative-drafting", "capacity-building"),
        "Whistle-blower protection",
    ),
    Theme(
        36,
        None,
        "Specialised anti-corruption prosecutors: financial investigation skills",
        ("capacity-building", "on-site-expert"),
        "Specialised prosecution",
    ),
    Theme(
        38,
        None,
        "Inter-agency cooperation and information sharing in corruption cases",
        ("policymaking", "good-practices"),
        "Inter-agency cooperation",
    ),
    Theme(
        39,
        "39(1)",
        "Reporting by financial institutions and companies to investigators",
        ("good-practices",),
        "Private-sector cooperation",
    ),
    Theme(
        40,
        None,
        "Timely access to bank records in corruption investigations",
        ("legal-advice",),
        "Bank secrecy",
    ),
    Theme(
        42,
        "42(2)",
        "Jurisdiction over corruption offences committed abroad by nationals",
        ("legislative-drafting",),
        "Extraterritorial jurisdiction",
    ),
    Theme(
        44,
        None,
        "Extradition law and procedures of the central authority",
        ("legislative-assistance", "international-cooperation"),
        "Extradition",
    ),
    Theme(
        46,
        "46(13)",
        "Central authority for mutual legal assistance: case management system",
        ("institution-building", "international-cooperation"),
        "Mutual legal assistance",
    ),
    Theme(
        46,
        "46(9)",
        "Mutual legal assistance in the absence of dual criminality",
        ("legal-advice",),
        "MLA without dual criminality",
    ),
    Theme(
        48,
        "48(1)",
        "Police cooperation and secure information exchange with foreign counterparts",
        ("international-cooperation", "capacity-building"),
        "Law enforcement cooperation",
    ),
    Theme(
        49,
        None,
        "Joint investigation teams with neighbouring States",
        ("international-cooperation",),
        "Joint investigations",
    ),
    Theme(
        50,
        "50(1)",
        "Special investigative techniques in corruption cases",
        ("capacity-building", "legislative-assistance"),
        "Special investigative techniques",
    ),
    Theme(
        51,
        None,
        "National asset recovery strategy and coordination body",
        ("policymaking", "action-plan"),
        "Asset recovery strategy",
    ),
    Theme(
        52,
        "52(1)",
        "Enhanced due diligence on politically exposed persons",
        ("capacity-building", "good-practices"),
        "PEP due diligence",
    ),
    Theme(
        53,
        None,
        "Civil actions by foreign States to recover corruption proceeds",
        ("legal-advice",),
        "Direct recovery",
    ),
    Theme(
        54,
        "54(1)(c)",
        "Non-conviction-based confiscation of proceeds of corruption",
        ("legislative-drafting", "model-legislation"),
        "Non-conviction-based confiscation",
    ),
    Theme(
        55,
        "55(1)",
        "Execution of foreign confiscation orders",
        ("legal-advice", "international-cooperation"),
        "Foreign confiscation orders",
    ),
    Theme(
        56,
        None,
        "Spontaneous sharing of information on proceeds of crime",
        ("international-cooperation",),
        "Spontaneous information sharing",
    ),
    Theme(
        57,
        "57(3)",
        "Transparent return and disposal of confiscated assets",
        ("policymaking", "international-cooperation"),
        "Asset return",
    ),
    Theme(
        58,
        None,
        "Financial intelligence unit: analysis capacity and IT systems",
        ("institution-building", "capacity-building"),
        "FIU strengthening",
    ),
    Theme(
        59,
        None,
        "Bilateral agreements on asset recovery cooperation",
        ("international-cooperation", "other"),
        "Asset recovery agreements",
    ),
]

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
