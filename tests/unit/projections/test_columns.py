"""A view's column table: one declaration gives the CSV headers and rows and the flat JSON item."""

from __future__ import annotations

from projections.views.columns import Column, Table, blank, derived, joined, leftovers, shared

TABLE = Table(
    Column("need_id"),
    shared("currency"),
    Column("paragraph", blank),
    Column("ta_types", joined),
    Column("published", None),
    derived("first_type", lambda i: i["ta_types"][0]),
    leftovers("estimated"),
)
ITEM = {
    "need_id": "n-1",
    "paragraph": None,
    "ta_types": ["A.1", "B.2"],
    "published": True,
    "unconverted": {"estimated": {"EUR": "100.00", "GBP": "5.00"}},
}


def test_the_csv_takes_every_written_column_in_order_from_the_item_or_the_answer() -> None:
    # Given an answer holding one item
    answer = {"currency": "USD", "items": [ITEM]}
    # When it is written as CSV
    headers, rows = TABLE.csv(answer)
    # Then JSON-only columns are left out and each cell is written its own way
    assert headers == ["need_id", "currency", "paragraph", "ta_types", "first_type", "unconverted_estimated"]
    assert rows == [["n-1", "USD", "", "A.1;B.2", "A.1", "EUR 100.00;GBP 5.00"]]


def test_the_json_item_holds_the_columns_that_are_fields_of_the_row() -> None:
    # Given a row with more fields than the view shows
    row = {**ITEM, "state": "KEN"}
    # When its JSON item is built, then it holds the item columns only, unwritten values as they are
    assert TABLE.item(row) == {
        "need_id": "n-1",
        "paragraph": None,
        "ta_types": ["A.1", "B.2"],
        "published": True,
    }
