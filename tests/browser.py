"""Headless Chromium for the tests that look at pages as a person would: starting it, waiting
for a page, and going through the report's menus."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def start_chromium(profile: Path):
    """A headless Chromium (selenium's driver) with a fresh profile in `profile`; the tests fail,
    naming the packages, where it is not installed."""
    if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
        pytest.fail(
            "chromium and chromium-driver are needed (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # page errors: page_errors
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def page_errors(driver) -> list[str]:
    """The page's JavaScript errors (uncaught exceptions, console.error) since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def wait_for(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the page")


def click_text(driver, text: str) -> None:
    from selenium.webdriver.common.by import By

    xpath = f"//*[normalize-space(text())='{text}']"
    wait_for(lambda: [e for e in driver.find_elements(By.XPATH, xpath) if e.is_displayed()])
    time.sleep(0.5)  # the menu animates in
    next(e for e in driver.find_elements(By.XPATH, xpath) if e.is_displayed()).click()


def to_report(browser, report: Path) -> None:
    """The report's first menu (its categories): loaded once, then reached through the menu's
    "Results" link, as a person goes back, without loading the page again."""
    from selenium.webdriver.common.by import By

    if browser.current_url != report.as_uri():
        browser.get(report.as_uri())
        return
    link = "//li/a[normalize-space(text())='Results']"
    links = [e for e in browser.find_elements(By.XPATH, link) if e.is_displayed()]
    if links:  # not there at the top
        links[0].click()


def open_item(browser, report: Path, category: str, subcategory: str, cells) -> None:
    """Open one result through the report's menus: category, subcategory, then the eye button
    of the row whose label cells are `cells` (to_report first)."""
    from selenium.webdriver.common.by import By

    to_report(browser, report)
    click_text(browser, category)
    click_text(browser, subcategory)
    match = " and ".join(f"td[normalize-space(text())='{c}']" for c in cells)
    row_xpath = f"//tr[{match}]"
    try:
        wait_for(lambda: browser.find_elements(By.XPATH, row_xpath))
    except AssertionError:
        rows = [r.text for r in browser.find_elements(By.XPATH, "//tr")]
        raise AssertionError(f"{category} / {subcategory}: no row {cells}; rows: {rows}") from None
    browser.find_element(By.XPATH, row_xpath).find_element(
        By.CSS_SELECTOR, "a[iconname=eye]"
    ).click()


def shown_frame(driver):
    """The report's displayed frame (a table, a map or a gallery is shown in one)."""
    from selenium.webdriver.common.by import By

    return wait_for(
        lambda: [f for f in driver.find_elements(By.TAG_NAME, "iframe") if f.is_displayed()]
    )[0]


def shown_table(driver) -> tuple[str, str]:
    """The text of the table in the displayed frame, and of the frame's whole page."""
    from selenium.webdriver.common.by import By

    driver.switch_to.frame(shown_frame(driver))
    try:
        table = wait_for(lambda: driver.find_element(By.TAG_NAME, "table").text)
        return table, driver.find_element(By.TAG_NAME, "body").text
    finally:
        driver.switch_to.default_content()


def wait_for_bokeh(browser) -> None:
    """Inside a frame showing a bokeh page: wait until BokehJS has built it, and its first paint."""
    wait_for(
        lambda: browser.execute_script(
            "return window.Bokeh?.index && Object.keys(Bokeh.index).length"
        ),
        30,
    )
    time.sleep(1)  # the first paint


def in_bokeh_frame(browser, script: str, *args):
    """Run `script` inside the report's shown frame once its bokeh page has drawn."""
    frame = shown_frame(browser)
    browser.switch_to.frame(frame)
    try:
        wait_for_bokeh(browser)
        return browser.execute_script(script, *args)
    finally:
        browser.switch_to.default_content()


LOADED = "return arguments[0].complete && arguments[0].naturalWidth"


def shown_image(driver):
    """The displayed image with a data: URL, once it has loaded."""
    from selenium.webdriver.common.by import By

    return wait_for(
        lambda: [
            e
            for e in driver.find_elements(By.CSS_SELECTOR, "img[src^='data:image/png']")
            if e.is_displayed()
            and driver.execute_script(
                "return arguments[0].complete && arguments[0].naturalWidth", e
            )
        ]
    )[0]


def assert_drawn_like(screenshot: bytes, size: dict, source: Path, name: str) -> None:
    """The pixels the browser drew for an image correlate with the image file scaled to the
    element's size (a blank, broken or different image does not). The screenshot holds the
    element's part inside the viewport, so the best-matching placement in the scaled file is
    used; both are blurred a little so that resampling differences do not count."""
    from PIL import Image, ImageFilter

    def pixels(image: Image.Image) -> np.ndarray:
        return np.asarray(image.convert("L").filter(ImageFilter.GaussianBlur(2)), dtype=float)

    drawn = pixels(Image.open(io.BytesIO(screenshot)))
    width, height = round(size["width"]), round(size["height"])
    scaled = pixels(Image.open(source).resize((width, height), Image.Resampling.LANCZOS))
    drawn = drawn[:height, :width]  # a pixel more than the rounded size, at most
    h, w = drawn.shape
    assert h > 100 and w > 100, (name, drawn.shape)
    assert drawn.std() > 0, f"{name}: drawn as a uniform box"
    correlation = max(
        float(np.corrcoef(drawn.ravel(), scaled[dy : dy + h, dx : dx + w].ravel())[0, 1])
        for dy in range(height - h + 1)
        for dx in range(width - w + 1)
    )
    assert correlation > 0.9, f"{name}: drawn image correlates {correlation:.3f} with the file"
