"""The county console in a real browser against the real services: the seed county's figures in Chinese and in
English, a township providing its site through the form while an open dashboard follows, a finding appearing when its
rule is broken, an auditor's XLSX export; readable refusals, keyboard and phone width."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import openpyxl
from playwright.sync_api import Browser, Page, expect

from deploy.demo import ORGANISATIONS
from shared.auth import mint
from tests.kit.browser import PHONE, fresh_page, signed_in, with_token
from tests.kit.system import System

County = tuple[System, dict[str, Any]]


def figures(page: Page) -> dict[str, Any]:
    """The dashboard's plan figures as its tables show them."""
    batches = page.locator("#progress tbody tr")
    return {
        "stations": page.locator("#stations tbody tr").count(),
        "batches": [batches.nth(i).locator("td").first.inner_text() for i in range(batches.count())],
        "target": page.locator("[data-total-target]").inner_text(),
        "opened": page.locator("[data-total-opened]").inner_text(),
        "states": page.locator("#stations tbody tr").evaluate_all("rows => rows.map(r => r.dataset.status)"),
    }


def screenshot_path(tmp_path: Path) -> Path:
    """Where the dashboard's screenshot goes: ``SW_CONSOLE_SCREENSHOT``, else the test's own folder."""
    return Path(os.environ.get("SW_CONSOLE_SCREENSHOT") or tmp_path / "console.png")


def test_the_dashboard_shows_the_seed_county_in_chinese_and_the_same_figures_in_english(
        county: County, browser: Browser, tmp_path: Path) -> None:
    system, _demo = county
    page = fresh_page(signed_in(browser, system.urls["audit"], "civil_affairs_admin"), "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("社工站建设总览")
    chinese = figures(page)
    assert chinese["stations"] == 11
    assert chinese["batches"] == ["2021年12月31日", "2022年12月31日"]
    assert [page.locator(f"#progress tr[data-batch='{b}'] td").nth(1).inner_text() for b in (1, 2)] == ["5", "6"]
    assert (chinese["target"], chinese["opened"]) == ("11", "5")
    assert chinese["states"].count("opened") == 5
    expect(page.locator("#chart-title")).to_have_text("已建成社工站数量与批次目标")
    chart = page.locator("#progress svg[role=img] title")
    expect(chart.filter(has_text="已建成 2021年3月31日: 0")).to_have_count(1)
    expect(chart.filter(has_text="已建成 2021年12月31日: 5")).to_have_count(1)
    expect(chart.filter(has_text="目标 2022年12月31日: 11")).to_have_count(1)
    expect(page.locator("#workforce")).to_contain_text("官方数据")
    expect(page.locator("#findings tbody tr").first).to_be_visible()
    page.screenshot(path=str(screenshot_path(tmp_path)), full_page=True)

    page.get_by_label("截至日期").fill("2021-03-31")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("[data-total-opened]")).to_have_text("0")
    assert page.locator("#progress tr[data-batch='1'] td").nth(2).inner_text() == "5", "planned by then"
    page.goto("/")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Station programme dashboard")
    assert page.locator("html").get_attribute("lang") == "en"
    english = figures(page)
    assert english["batches"] == ["31 Dec 2021", "31 Dec 2022"]
    assert {**english, "batches": None} == {**chinese, "batches": None}
    page.goto("/console/findings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compliance findings"), "the choice is remembered"


def test_a_township_provides_its_site_through_the_form_and_the_open_dashboard_follows(
        county: County, browser: Browser) -> None:
    system, _demo = county
    township = signed_in(browser, system.urls["audit"], "township", townships="T08", subject="t08-clerk")
    dashboard = fresh_page(township, "/")
    row = dashboard.locator("#stations tr[data-township='T08']")
    expect(row).to_have_attribute("data-status", "planned")
    assert dashboard.locator("#stations tbody tr").count() == 1, "a township sees its own station"
    dashboard.evaluate("window.notReloaded = true")

    todo = fresh_page(township, "/console/todo")
    form = todo.locator("#site-form")
    form.get_by_label("办公面积").fill("六十")
    form.get_by_label("设施").fill("办公室, 活动室")
    form.get_by_label("日期").fill("2021-05-01")
    form.get_by_role("button", name="提交").click()
    expect(todo.get_by_role("alert")).to_contain_text("填写的内容不符合要求")
    expect(todo.get_by_role("alert")).to_contain_text("办公面积")
    expect(row).to_have_attribute("data-status", "planned")

    todo.goto("/console/todo")
    form.get_by_label("办公面积").fill("60")
    form.get_by_label("设施").fill("办公室, 活动室")
    form.get_by_label("日期").fill("2021-05-01")
    form.get_by_role("button", name="提交").click()
    expect(todo.get_by_role("status")).to_have_text("已提交")

    expect(row).to_have_attribute("data-status", "site_provided", timeout=30_000)
    expect(row).to_contain_text("已提供场地")
    assert dashboard.evaluate("window.notReloaded") is True, "updated in place, not reloaded"


def test_a_finding_appears_on_the_auditors_open_page_when_its_rule_is_broken(
        county: County, browser: Browser) -> None:
    system, demo = county
    path = "/console/findings?rule=supervision_short"
    auditor = fresh_page(signed_in(browser, system.urls["audit"], "auditor"), path)
    station = demo["stations"]["T01"]
    short = auditor.locator(f"#findings-list tr[data-rule='supervision_short'][data-subject='{station}']")
    expect(auditor.locator("#findings-list tr[data-rule='supervision_short']").first).to_be_visible()
    expect(short).to_have_count(0)

    supervisor = fresh_page(signed_in(browser, system.urls["audit"], "supervisor", subject=demo["supervisor"]),
                            "/console/todo")
    form = supervisor.locator("#supervision-form")
    form.get_by_label("社工站").select_option(station)
    form.get_by_label("督导日期").fill("2021-09-20")
    form.get_by_label("时长").fill("4")
    form.get_by_label("督导内容").fill("个案督导：服务记录")
    form.get_by_role("button", name="提交").click()
    expect(supervisor.get_by_role("status")).to_have_text("已提交")

    expect(short).to_have_count(1, timeout=30_000)
    expect(short).to_contain_text("督导时长不足")


def test_a_contractor_submits_a_quarterly_ledger_and_finds_it_on_the_stations_page(
        county: County, browser: Browser) -> None:
    system, demo = county
    contractor = signed_in(browser, system.urls["audit"], "contractor", subject="contractor-a",
                           organisation=ORGANISATIONS[0]["unified_social_credit_code"])
    todo = fresh_page(contractor, "/console/todo")
    expect(todo.locator("#mine tbody tr")).to_have_count(3), "the stations its contract covers"
    form = todo.locator("#ledger-form")
    form.get_by_label("社工站").select_option(demo["stations"]["T02"])
    form.get_by_label("年度").fill("2021")
    form.get_by_label("季度").select_option("3")
    for label, value in (("服务人次", "40"), ("服务对象人数", "25"), ("活动次数", "2"), ("在岗人数", "2"),
                         ("支出", "12345.6"), ("提交日期", "2021-10-10")):
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name="提交").click()
    expect(todo.get_by_role("status")).to_have_text("已提交")

    todo.locator("#mine a", has_text="T02").click()
    expect(todo.get_by_role("heading", level=1)).to_contain_text("T02")
    ledger = todo.locator("tr[data-ledger='2021-Q3']")
    expect(ledger).to_contain_text("12,345.60 元")
    expect(ledger).to_contain_text("已提交")
    expect(todo.locator("main")).to_contain_text("XXMZ-2021-DEMO-A")
    expect(todo.locator(".timeline li").first).to_contain_text("已规划")
    expect(todo.locator("main")).to_contain_text("当前角色无权查看此项"), "findings are not the contractor's to read"


def test_a_social_worker_records_a_service_and_a_word_outside_the_plans_list_is_named(
        county: County, browser: Browser) -> None:
    system, demo = county
    elder_case = demo["cases"][1]
    before = len(system.client("casework").get(f"/v1/cases/{elder_case}").json()["services"])
    worker = signed_in(browser, system.urls["audit"], "social_worker", subject=demo["workers"]["李娜"])
    todo = fresh_page(worker, "/console/todo")
    form = todo.locator("#service-form")

    def record(service_type: str) -> None:
        form.get_by_label("个案").select_option(elder_case)
        for label, value in (("日期", "2021-09-03"), ("服务领域", "elderly_care"), ("服务类型", service_type),
                             ("时长", "30"), ("备注", "中秋前探访")):
            form.get_by_label(label).fill(value)
        form.get_by_role("button", name="提交").click()

    record("homework_club")
    expect(todo.get_by_role("alert")).to_contain_text("emotional_comfort")
    todo.goto("/console/todo")
    record("emotional_comfort")
    expect(todo.get_by_role("status")).to_have_text("已提交")
    after = system.client("casework").get(f"/v1/cases/{elder_case}").json()["services"]
    assert len(after) == before + 1 and after[-1]["minutes"] == 30


def test_an_auditor_verifies_the_ledger_and_downloads_it_as_xlsx(
        county: County, browser: Browser, tmp_path: Path) -> None:
    system, _demo = county
    page = fresh_page(signed_in(browser, system.urls["audit"], "auditor"), "/")
    page.get_by_role("button", name="校验账本").click()
    expect(page.get_by_role("status")).to_have_text("账本完整、未被篡改")
    page.goto("/console/ledger")
    first_page = page.locator("table tbody tr")
    expect(first_page.first).to_be_visible()
    with page.expect_download() as download:
        page.locator("a[data-export='ledger']").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("位置", "事件编号", "来源", "类型")
    assert [r[0] for r in rows[1:4]] == [1, 2, 3]
    assert rows[1][3] == first_page.first.locator("code").inner_text() == "sw.stations.county_plan.established.v1"


def test_a_role_the_ledger_refuses_is_told_so_and_the_page_works_by_keyboard_and_on_a_phone(
        county: County, browser: Browser) -> None:
    system, _demo = county
    township = signed_in(browser, system.urls["audit"], "township", townships="T09", viewport=PHONE)
    page = fresh_page(township, "/console/ledger")
    expect(page.locator("main")).to_contain_text("当前角色无权查看此项")
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("跳到正文")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_id("main")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    admin = fresh_page(signed_in(browser, system.urls["audit"], "civil_affairs_admin", viewport=PHONE), "/")
    expect(admin.locator("#stations tbody tr")).to_have_count(11)
    assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "every table fits or scrolls"
    with page.expect_response(lambda r: "/console/exports/" in r.url) as answer:
        page.goto("/console/exports/ledger.xlsx")
    assert answer.value.status == 403
    expect(page.get_by_role("alert")).to_contain_text("当前角色无权执行此操作")


def test_a_token_from_the_identity_provider_signs_in_and_a_forged_one_is_refused(
        county: County, browser: Browser) -> None:
    system, _demo = county
    token = mint(system.settings, subject="finance-clerk", role="finance", organisation="county-finance")
    page = fresh_page(with_token(browser, system.urls["audit"], token), "/console/finance")
    expect(page.locator("header")).to_contain_text("财政局")
    expect(page.locator("#contracts-h ~ div table tbody tr")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("900,000.00 元")

    page.goto("/console/signin")
    page.get_by_label("访问令牌").fill(token[:-4] + "AAAA")
    page.locator("form[action='/console/signin/token'] button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("请重新登录")
