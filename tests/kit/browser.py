"""Driving the console in Debian's chromium (never a downloaded browser): launching it, signing in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, for one test module."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def signed_in(browser: Browser, base_url: str, role: str, *, townships: str = "", organisation: str = "",
              subject: str = "", viewport: ViewportSize | None = None) -> BrowserContext:
    """A browser session signed in through the console's development sign-in form as ``role``."""
    context = browser.new_context(base_url=base_url, viewport=viewport or DESKTOP,
                                  accept_downloads=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto("/console/signin")
    page.get_by_label("角色").select_option(role)
    page.get_by_label("乡镇代码").fill(townships)
    page.get_by_label("机构").fill(organisation)
    page.get_by_label("用户标识").fill(subject or f"browser-{role}")
    page.locator("form[action='/console/signin/dev'] button[type=submit]").click()
    page.wait_for_url("**/")
    page.close()
    return context


def with_token(browser: Browser, base_url: str, token: str) -> BrowserContext:
    """A browser session signed in by pasting a bearer token (the county identity provider's way)."""
    context = browser.new_context(base_url=base_url, viewport=DESKTOP, accept_downloads=True,
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto("/console/signin")
    page.get_by_label("访问令牌").fill(token)
    page.locator("form[action='/console/signin/token'] button[type=submit]").click()
    page.wait_for_url("**/")
    page.close()
    return context


def fresh_page(context: BrowserContext, path: str) -> Page:
    """A new tab of ``context`` at ``path``."""
    page = context.new_page()
    page.goto(path)
    return page
