"""The HTML report, opened in a real browser (headless Chromium): every category shows, every
figure loads, and the page is not blank."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.test_workflow import snakemake

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def report(tiny_finished: Path) -> Path:
    out = snakemake(tiny_finished, "--report", str(tiny_finished / "report.html"))
    assert "Report created" in out.stdout + out.stderr
    return tiny_finished / "report.html"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
        pytest.fail(
            "chromium and chromium-driver are needed (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium")
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1400,1000", f"--user-data-dir={profile}",
    ):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


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


def test_report_opens_with_every_figure(report: Path, browser, tmp_path: Path) -> None:
    from PIL import Image
    from selenium.webdriver.common.by import By

    shown = {}
    # (category, subcategory) -> the cells that name the figure's row (labels where it has them)
    expected = {
        ("Word space", "Analogies"): ("results/analogy/glove.tiny/google.png",),
        ("Image space", "t-SNE"): ("first",),
        ("Image space", "SVM confusion matrix"): ("all",),
    }
    for (category, subcategory), cells in expected.items():
        figure = " / ".join(cells)
        browser.get(report.as_uri())
        click_text(browser, category)
        click_text(browser, subcategory)
        match = " and ".join(f"td[normalize-space(text())='{c}']" for c in cells)
        row_xpath = f"//tr[{match}]"
        try:
            wait_for(lambda xp=row_xpath: browser.find_elements(By.XPATH, xp))
        except AssertionError:
            rows = [r.text for r in browser.find_elements(By.XPATH, "//tr")]
            raise AssertionError(
                f"{category} / {subcategory}: no row {cells}; rows: {rows}"
            ) from None
        browser.find_element(By.XPATH, row_xpath).find_element(
            By.CSS_SELECTOR, "a[iconname=eye]"
        ).click()
        sizes = wait_for(
            lambda: [
                s
                for s in browser.execute_script(
                    "return Array.from(document.images).filter(i => i.src.startsWith("
                    "'data:image/png')).map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
                )
                if s[0] and s[1] > 100
            ]
        )
        shown[figure] = sizes[0]
        shot = tmp_path / f"{subcategory}.png"
        browser.save_screenshot(str(shot))
        pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
        assert pixels.std() > 20, f"{figure}: the page looks blank"
    assert len(shown) == len(expected)
    broken = browser.execute_script(
        "return Array.from(document.images).filter(i => i.complete && i.naturalWidth === 0)"
        ".map(i => i.src.slice(0, 60))"
    )
    assert broken == []


def test_every_embedded_figure_decodes(report: Path) -> None:
    import base64
    import io
    import re

    from PIL import Image

    html = report.read_text()
    pngs = re.findall(
        r'"data_uri": "data:image/png;charset=utf8;filename=[^;]*;base64,([^"]+)"', html
    )
    assert len(pngs) == 5  # google.png, t-SNE and confusion plots of 'first' and 'all'
    for data in pngs:
        image = Image.open(io.BytesIO(base64.b64decode(data)))
        image.verify()


def test_chromium_renders_the_first_page(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "first.png"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,900",
         f"--screenshot={shot}", report.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.std() > 20
