"""The web page at `/` in a real browser: Debian's chromium driven headless by Playwright (PyPI
`playwright`, no downloaded browser).  Upload a lure, wait for the verdict, check the nested tree and
the reasons, follow the JSON link, and keep a screenshot in the test's tmp dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_support import CLEAN, LURE, Daemon, start_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Daemon, str]]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does)")
    daemon, base = start_server(tmp_path_factory.mktemp("serve-web"), "--workers", "1", service_rate_limit="")
    yield daemon, base
    daemon.stop()


def test_upload_a_lure_and_see_why(server: tuple[Daemon, str], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(server[1] + "/")
            assert page.locator("form.upload input[type=file]").count() == 1
            page.set_input_files("#file", str(LURE))  # the form submits itself on change
            page.wait_for_selector("#summary", timeout=60_000)
            assert page.locator("#summary .v").inner_text().lower() == "malicious"
            tree = page.locator("ul.tree")
            mail = tree.locator("> li").first
            assert mail.locator("> .name").inner_text() == LURE.name
            assert mail.get_attribute("data-verdict") == "malicious"
            zip_item = mail.locator("> ul > li", has_text="CrowdStrike Falcon.zip")
            assert zip_item.locator("> ul > li > .name").inner_text() == "README.txt"  # mail > zip > README.txt
            reasons = page.locator("ol.reasons > li")
            assert reasons.count() >= 1
            assert "SCAM_CS_Phishing_Update_Email" in page.locator("ol.reasons").inner_text()
            assert page.locator("ol.reasons dl.ev").count() >= 1  # evidence is shown
            page.screenshot(path=str(tmp_path / "lure.png"), full_page=True)
            assert (tmp_path / "lure.png").stat().st_size > 0
            page.click("#json")
            assert '"verdict": "malicious"' in page.content() or '"verdict":"malicious"' in page.content()

            page.goto(server[1] + "/")
            page.set_input_files("#file", str(CLEAN[0]))
            page.wait_for_selector("#summary", timeout=60_000)
            assert page.locator("#summary .v").inner_text().lower() == "clean"
            assert page.locator("ol.reasons").count() == 0
        finally:
            browser.close()
