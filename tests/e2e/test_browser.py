"""A person signs in, switches to Arabic and sees a right-to-left, translated, accessible page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import PASSWORD
from tests.i18n.test_pages import translated

pytestmark = pytest.mark.browser
BLOCKING = {"serious", "critical"}


def _assert_accessible(page, axe: Axe) -> None:
    results = axe.run(page)
    blocking = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
    assert blocking == [], f"{page.url}: {blocking}"


def test_sign_in_switch_to_arabic_rtl_and_accessible(page, live_server, world, artifacts):
    axe = Axe()
    page.goto(f"{live_server}/login")
    _assert_accessible(page, axe)
    page.get_by_label("E-mail").fill(world.emails["school_admin"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/home")
    _assert_accessible(page, axe)

    page.locator("#lang-menu").click()
    page.get_by_role("button", name="العربية").click()
    page.wait_for_load_state("networkidle")

    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    sign_out = translated("ar", "Sign out")
    assert sign_out != "Sign out"
    assert page.get_by_role("button", name=sign_out).is_visible()
    # In RTL the brand sits on the right-hand side of the navbar.
    brand = page.locator(".navbar-brand").bounding_box()
    assert brand["x"] > 1100 / 2
    page.screenshot(path=str(artifacts / "home-ar.png"), full_page=True)
    _assert_accessible(page, axe)

    page.goto(f"{live_server}/account")
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    _assert_accessible(page, axe)
    page.screenshot(path=str(artifacts / "account-ar.png"), full_page=True)


def test_phone_viewport_menu_works(browser, live_server, world, artifacts):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="uk-UA")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    assert page.evaluate("document.documentElement.lang") == "uk"
    page.locator(".navbar-toggler").click()
    page.locator("#lang-menu").wait_for(state="visible")
    page.screenshot(path=str(artifacts / "login-uk-phone.png"), full_page=True)
    _assert_accessible(page, Axe())
    context.close()
