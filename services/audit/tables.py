"""The tables departments receive, with Chinese column headers, as CSV (UTF-8 with BOM, so spreadsheet programs
read the headers) or XLSX (openpyxl): findings, 合同台账, 拨付明细, 工资表, 社保明细, 备案.

Amounts are in yuan with two decimals (the events keep fen); the last column of every table lists the
audit ledger positions the row rests on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook

Row = dict[str, Any]


@dataclass(frozen=True)
class Table:
    """One export: its title, its columns (key, header) and the column its date range applies to."""

    name: str
    title: str
    columns: tuple[tuple[str, str], ...]
    dated_by: str


POSITIONS = ("positions", "账本位置")
TABLES = {t.name: t for t in (
    Table("findings", "合规问题", (
        ("rule", "规则"), ("subject", "对象"), ("period", "期间/事项"), ("township", "乡镇"), ("severity", "等级"),
        ("since", "发现日期"), ("resolved_on", "整改日期"), ("open", "是否未解决"), ("detail", "说明"), POSITIONS),
        "since"),
    Table("contracts", "合同台账", (
        ("contract_number", "合同编号"), ("organisation_name", "承接机构"), ("budget_year", "预算年度"),
        ("budget_line", "预算科目"), ("signed_on", "签订日期"), ("period_start", "服务开始"),
        ("period_end", "服务结束"),
        ("terminated_on", "终止日期"), ("stations", "站点数"), ("amount_fen", "合同金额(元)"),
        ("supervision_fen", "督导经费(元)"), ("disbursed_fen", "已拨付(元)"), ("remaining_fen", "未拨付(元)"),
        POSITIONS), "signed_on"),
    Table("disbursements", "拨付明细", (
        ("paid_on", "拨付日期"), ("contract_number", "合同编号"), ("organisation_name", "承接机构"),
        ("budget_year", "预算年度"), ("budget_line", "预算科目"), ("reference", "拨付凭证号"),
        ("amount_fen", "拨付金额(元)"), POSITIONS), "paid_on"),
    Table("payroll", "工资表", (
        ("month", "月份"), ("organisation_name", "用人单位"), ("workers_paid", "发薪人数"),
        ("gross_fen", "应发工资合计(元)"), ("below_minimum_wage", "低于最低工资人数"), POSITIONS), "month"),
    Table("social-insurance", "社保明细", (
        ("name", "姓名"), ("organisation_name", "用人单位"), ("hired_on", "入职日期"), ("pension", "养老保险"),
        ("medical", "医疗保险"), ("unemployment", "失业保险"), ("work_injury", "工伤保险"), ("maternity", "生育保险"),
        ("housing_fund", "住房公积金"), ("missing", "未参保项目"), POSITIONS), "hired_on"),
    Table("roster", "备案", (
        ("name", "姓名"), ("organisation_name", "用人单位"), ("hired_on", "入职日期"), ("township", "驻站乡镇"),
        ("station_id", "驻站站点"), ("labour_contract_from", "劳动合同起"), ("labour_contract_to", "劳动合同止"),
        ("supervisor", "督导"), POSITIONS), "hired_on"),
)}


def cell(key: str, value: Any) -> Any:
    """A value as a department's spreadsheet shows it."""
    if value is None:
        return ""
    if key.endswith("_fen") and isinstance(value, int):
        return round(value / 100, 2)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def within(table: Table, rows: list[Row], start: date | None, end: date | None) -> list[Row]:
    """The rows whose date column falls in [start, end] (a month falls in if any of its days does)."""
    def key(row: Row) -> tuple[str, str]:
        value = row.get(table.dated_by)
        text = value.isoformat() if isinstance(value, date) else str(value or "")
        return (text + "-01", text + "-31") if len(text) == 7 else (text, text)

    return [r for r in rows if (start is None or key(r)[1] >= start.isoformat())
            and (end is None or key(r)[0] <= end.isoformat())]


def to_csv(table: Table, rows: list[Row]) -> bytes:
    """UTF-8 CSV with a byte-order mark and the Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _, header in table.columns])
    for row in rows:
        writer.writerow([cell(key, row.get(key)) for key, _ in table.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table, rows: list[Row]) -> bytes:
    """An XLSX workbook of one sheet titled in Chinese, headers in the first row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.title)
    sheet.append([header for _, header in table.columns])
    for row in rows:
        sheet.append([cell(key, row.get(key)) for key, _ in table.columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WRITERS: dict[str, tuple[Callable[[Table, list[Row]], bytes], str]] = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
