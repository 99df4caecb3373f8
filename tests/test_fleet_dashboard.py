"""The ops dashboard in headless Chromium (Debian's chromium and chromedriver), as a person
uses it: log in, see the fleet, open an incident."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fleet_support import OPS, sample, serve_fleet
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

SITES = {
    "ottawa-rideau-01": "Centre Rideau",
    "quebec-ste-foy-02": "Place Ste-Foy",
    "laval-carrefour-03": "Carrefour Laval",
}


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def shown(browser: webdriver.Chrome, by: str, value: str) -> WebElement:
    """Return the element once the page that has it is loaded (a click navigates later)."""
    found: WebElement = WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((by, value))
    )
    return found


def log_in(browser: webdriver.Chrome, url: str, name: str, password: str) -> None:
    browser.get(url + "/")
    shown(browser, By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "log-in").click()


def test_log_in_see_the_fleet_and_open_an_incident(
    browser: webdriver.Chrome, tmp_path: Path
) -> None:
    with serve_fleet(tmp_path, SITES) as fleet:
        fleet.post("ottawa-rideau-01", [sample(t) for t in range(0, 9000, 15)])
        paper_out = {"services": {"fine": False, "address-change": True},
                     "devices": {"printer": "paper_out"}}  # fmt: skip
        fleet.post(
            "quebec-ste-foy-02", [sample(t, "degraded", **paper_out) for t in range(0, 9000, 15)]
        )
        fleet.post("laval-carrefour-03", [sample(0), sample(15), sample(30, "down")])
        fleet.now(9000)

        log_in(browser, fleet.url, OPS[0], "not the password")
        assert "Wrong name or password." in shown(browser, By.CLASS_NAME, "error").text

        log_in(browser, fleet.url, *OPS)
        assert shown(browser, By.ID, "share-now").text == "33.3%"
        assert browser.find_element(By.ID, "share-plot").is_displayed()
        capabilities = browser.find_element(By.ID, "capabilities").text
        assert "fine unavailable at 1 kiosk: printer: paper_out" in capabilities
        # Paper out at Ste-Foy (since 0) is an operator incident too, opened first.
        paper, row = browser.find_elements(By.CSS_SELECTOR, "#incidents tr.incident")
        assert "quebec-ste-foy-02" in paper.text
        assert "laval-carrefour-03" in row.text
        assert "over by" in row.text  # down since 30 s: 2 h 29 min, past the 2 hours
        sites = [h.text for h in browser.find_elements(By.TAG_NAME, "h3")]
        assert sites == ["Carrefour Laval", "Centre Rideau", "Place Ste-Foy"]

        row.find_element(By.TAG_NAME, "a").click()
        incident = shown(browser, By.ID, "incident").text
        assert "Incident at laval-carrefour-03" in incident
        assert "Carrefour Laval" in incident
        assert "over the two hours by 29 min" in incident

        browser.find_element(By.LINK_TEXT, "log out").click()
        shown(browser, By.ID, "log-in")  # the login form, after logging out
        browser.get(fleet.url + "/")
        assert shown(browser, By.ID, "log-in")  # and the dashboard asks to log in again
