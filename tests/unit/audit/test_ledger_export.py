"""Ledger-range files: CSV and XLSX with the Chinese headers the departments file under, one row per entry."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from services.audit.exports.ledger import HEADERS, csv_chunks, filename, ledger_rows, xlsx_bytes


class FakeLedger:
    """Rows as the ledger table answers them, served in the batches ``ledger_rows`` asks for."""

    def __init__(self, size: int) -> None:
        self.rows = [{"position": n, "event_id": f"stations-{n}", "source": "/sw/stations",
                      "type": "sw.stations.station.opened.v1", "subject": f"s{n}",
                      "event_time": datetime(2021, 3, 1, 16, 30, tzinfo=UTC),
                      "recorded_at": datetime(2026, 11, 29, 10, 0, 5, tzinfo=UTC),
                      "leaf_hash": bytes([n % 256]) * 32, "chain_hash": bytes([(n + 1) % 256]) * 32}
                     for n in range(1, size + 1)]
        self.batches = 0

    def connection(self):
        """Context manager giving itself as the connection."""
        ledger = self

        class _Ctx:
            def __enter__(self):
                ledger.batches += 1
                return ledger

            def __exit__(self, *_exc):
                return False

        return _Ctx()

    def execute(self, _sql: str, params: tuple[int, int, int]):
        after, last, limit = params
        chosen = [r for r in self.rows if after < r["position"] <= last][:limit]

        class _Result:
            def fetchall(self):
                return chosen

        return _Result()


def test_the_csv_has_the_chinese_headers_and_one_row_per_entry_of_the_range() -> None:
    ledger = FakeLedger(10)
    body = b"".join(csv_chunks(ledger_rows(ledger.connection, 3, 7))).decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheet programs read the file as UTF-8
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert tuple(rows[0]) == HEADERS == ("位置", "事件编号", "来源", "类型", "主体", "事件时间", "记录时间", "叶哈希",
                                         "链哈希")
    assert [int(r[0]) for r in rows[1:]] == [4, 5, 6, 7]
    assert rows[1][1:5] == ["stations-4", "/sw/stations", "sw.stations.station.opened.v1", "s4"]
    assert rows[1][5] == "2021-03-02T00:30:00+08:00"  # event time in China Standard Time
    assert rows[1][7] == "04" * 32 and rows[1][8] == "05" * 32


def test_a_range_larger_than_a_batch_is_read_in_batches_without_losing_a_row() -> None:
    ledger = FakeLedger(4500)
    rows = list(ledger_rows(ledger.connection, 0, None))
    assert [r[0] for r in rows] == list(range(1, 4501))
    assert ledger.batches == 4  # 2000 + 2000 + 500, then the empty batch that ends it


def test_the_xlsx_opens_with_openpyxl_and_carries_the_expected_rows() -> None:
    ledger = FakeLedger(5)
    book = load_workbook(io.BytesIO(xlsx_bytes(ledger_rows(ledger.connection, 1, None))), read_only=True)
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == HEADERS
    assert [v[0] for v in values[1:]] == [2, 3, 4, 5]
    assert values[1][1] == "stations-2" and values[4][8] == "06" * 32


def test_the_file_name_says_the_range() -> None:
    assert filename(0, None, "csv") == "ledger-1-head.csv"
    assert filename(10, 20, "xlsx") == "ledger-11-20.xlsx"
