"""The HTML report, opened in a real browser (headless Chromium): the report's app runs, every
category shows, and every figure it shows is the pipeline's file and is drawn on the screen."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest

from embedlab.common.tables import read_tsv
from tests.browser import (
    assert_drawn_like,
    click_text,
    in_bokeh_frame,
    open_item,
    page_errors,
    shown_frame,
    shown_image,
    shown_table,
    to_report,
    wait_for,
    wait_for_bokeh,
)

pytestmark = pytest.mark.slow


# the report app's own tables: category -> subcategory -> result paths, and each result's labels
MENU = """
return [categories, Object.fromEntries(Object.entries(results).map(([p, r]) => [p, r.labels]))]
"""
# what a page shows besides the menu: the addresses of the frames and images it displays (none
# before an item is opened; another item's once it is)
SHOWN = """
const shown = [...document.querySelectorAll('iframe, img')].filter(e => e.offsetWidth > 0);
return shown.map(e => e.src).join(' ');
"""


def another(shown: str, before: str) -> str | None:
    return shown if shown not in ("", before) else None


def walk_report(
    browser, report: Path, on_item=None, config_shows: str = ""
) -> list[tuple[str, str, tuple[str, ...]]]:
    """Through the report's menus, as a person clicks: every category, every subcategory and
    every item of it, whose row's label cells go to `on_item(category, subcategory, cells)` once
    it is shown. The page is loaded once; the menu's "Results" link leads back to the categories
    (to_report), and the category's link in the menu's breadcrumb path back to its subcategories.
    Fails on a page that goes blank, an item no row lists, or a JavaScript error; first, the
    report's app must have run (the workflow description is on its page, with `config_shows`
    from the config filled in). Returns what it opened."""
    from selenium.webdriver.common.by import By

    browser.get(report.as_uri())
    wait_for(lambda: "reproducible pipeline" in browser.find_element(By.TAG_NAME, "body").text)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert config_shows in body, body
    page_errors(browser)
    categories, labels = browser.execute_script(MENU)
    assert categories, "the report lists no results"
    opened = []
    shown = browser.execute_script(SHOWN)
    for category, subcategories in categories.items():
        to_report(browser, report)
        click_text(browser, category)
        for n, (subcategory, paths) in enumerate(subcategories.items()):
            if n:  # back to the category's page, through its link in the menu's breadcrumb path
                click_text(browser, category)
            click_text(browser, subcategory)
            where = f"{category} / {subcategory}"
            try:
                rows = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "a[iconname=eye]"))
            except AssertionError:
                body = browser.find_element(By.TAG_NAME, "body").text.strip()
                raise AssertionError(
                    f"{where}: no items listed; page {body[:200]!r}; errors {page_errors(browser)}"
                ) from None
            # one row per item: every item can be opened (no toggle hides one)
            assert len(rows) == len(paths), (where, len(rows), paths, [labels[p] for p in paths])
            for i in range(len(rows)):
                eye = browser.find_elements(By.CSS_SELECTOR, "a[iconname=eye]")[i]
                row = eye.find_element(By.XPATH, "./ancestor::tr")
                cells = tuple(td.text for td in row.find_elements(By.TAG_NAME, "td"))[:-1]
                eye.click()
                # this item's frame or image, not the one shown before it
                shown = wait_for(lambda b=shown: another(browser.execute_script(SHOWN), b), 30)
                assert browser.find_element(By.TAG_NAME, "body").text.strip(), f"{where}: blank"
                if on_item is not None:
                    on_item(category, subcategory, cells)
                opened.append((category, subcategory, cells))
            assert page_errors(browser) == [], where
    assert len(opened) == sum(len(p) for s in categories.values() for p in s.values())
    return opened


def test_every_page_and_item_of_the_tiny_report_with_its_figures_and_numbers(
    report: Path, tiny_finished: Path, browser
) -> None:
    """Every menu page and every item of the tiny run's report (two models) opens (walk_report);
    each figure it shows is the pipeline's file (the same bytes) drawn on the screen (what the
    browser shows looks like that file), and each table is an HTML table in the page (not a
    download) showing the values of its result file (a known value of each, read from the
    rendered page), the "Models compared" section's with both models' numbers; each interactive
    map draws in the frame without sideways scrolling, and the word map shows its words without
    hovering (assert_word_map_readable); the retrieval gallery loads every thumbnail."""
    from embedlab.vectors.store import read_store

    results = tiny_finished / "results"
    figures = {
        ("Word space", "Analogies", ("glove.tiny", "Google benchmark (plot)")): (
            "results/analogy/glove.tiny/google.png"
        ),
        ("Image space", "t-SNE", ("first",)): "results/images/digits/analysis/first/tsne.png",
        ("Image space", "SVM confusion matrix", ("all",)): (
            "results/images/digits/analysis/all/confusion.png"
        ),
        ("Word space", "Models compared", ("all models", "scores (plot)")): (
            "results/comparison/models.png"
        ),
        ("Word space", "Models compared", ("all models", "all questions (plot)")): (
            "results/comparison/models_all.png"
        ),
    }
    queries = read_tsv(results / "analogy/glove.tiny/queries.tsv")[0]
    google = {r["section"]: r for r in read_tsv(results / "analogy/glove.tiny/google.tsv")}
    sample = read_tsv(results / "neighbors/glove.tiny.sample.tsv")[0]
    similarity = read_tsv(results / "similarity/glove.tiny.tsv")[0]
    analysis = results / "images/digits/analysis"
    kmeans = json.loads((analysis / "first/kmeans.json").read_text())
    svm = json.loads((analysis / "all/svm.json").read_text())
    retrieval = read_tsv(results / "explore/images/digits/retrieval.tsv")
    compared = read_tsv(results / "comparison/models.tsv")
    answers = read_tsv(results / "comparison/queries.tsv")
    tables = {
        ("Word space", "Analogies", ("glove.tiny", "analogy queries")): [
            queries["query"], queries["word"], queries["score"]
        ],
        ("Word space", "Analogies", ("glove.tiny", "Google benchmark")): [
            "total", google["total"]["accuracy"], google["semantic"]["correct"]
        ],
        ("Word space", "Nearest neighbours", ("glove.tiny", "sample words")): [
            sample["word"], sample["neighbor_1"], sample["similarity_1"]
        ],
        ("Word space", "Word similarity", ("glove.tiny", "word similarity")): [
            similarity["benchmark"], similarity["spearman"]
        ],
        ("Image space", "Embeddings", ("skipped files",)): ["reason", "(no rows)"],
        ("Image space", "KMeans (NMI, ARI)", ("first",)): [f"{kmeans['nmi']:.4g}"],
        ("Image space", "Linear SVM", ("all", "scores")): [f"{svm['accuracy']:.4g}"],
        ("Image space", "Linear SVM", ("all", "per-class accuracy")): ["most_often_taken_for"],
        ("Image space", "Linear SVM", ("all", "most confused pairs")): ["fraction_of_true"],
        ("Exploration", "Image retrieval", ("precision@k per class",)): [
            "(mean of classes)", retrieval[-1]["precision_at_k"]
        ],
        ("Image space", "Settings", ("analysis settings",)): ["analysis.tsne.perplexity"],
        # both models' numbers, and the questions both cover
        ("Word space", "Models compared", ("all models", "scores")): [
            *(r["model"] for r in compared), *(r["total seen"] for r in compared),
            compared[0]["total common"],
        ],
        ("Word space", "Models compared", ("all models", "analogy answers")): [
            answers[0]["glove.tiny"], answers[0]["tiny25"]
        ],
    }  # fmt: skip
    frequent = read_store(results / "vectors/glove.tiny.h5").words[:10]
    maps = ("images: digits", "words: glove.tiny", "words: tiny25")
    checked: list[tuple[str, str, tuple[str, ...]]] = []
    shown_maps: list[str] = []

    def new_frame(before: list[str]) -> str | None:
        src = shown_frame(browser).get_attribute("src")
        return src if src not in before else None

    def check(category: str, subcategory: str, cells: tuple[str, ...]) -> None:
        key = (category, subcategory, cells)
        if subcategory == "Interactive maps":
            # this map's frame, not the previous one's (the walk opens them one after another)
            shown_maps.append(wait_for(lambda: new_frame(shown_maps), 30))
            # each map draws in the report's frame, without sideways scrolling
            width, client, height = in_bokeh_frame(browser, f"{NO_SIDEWAYS_SCROLL};")
            assert height > 300 and width <= client, (cells, width, client, height)
            if cells == ("words: glove.tiny",):
                assert_word_map_readable(browser, frequent)
            checked.append(key)
        if key == GALLERY:
            assert_gallery_loads(browser)
            checked.append(key)
        if key in figures:
            result = figures[key]
            image = shown_image(browser)
            shown = image.get_attribute("src")
            assert base64.b64decode(shown.split("base64,", 1)[1]) == (
                (tiny_finished / result).read_bytes()
            ), f"{category} / {subcategory}: the report shows another image than {result}"
            assert_drawn_like(image.screenshot_as_png, image.rect, tiny_finished / result, result)
            checked.append(key)
        if key in tables:
            text, page = shown_table(browser)
            for value in tables[key]:
                assert value in page, f"{key}: {value!r} not in {text!r}"
            checked.append(key)

    walk_report(browser, report, check, config_shows="glove.tiny.txt")
    listed = [
        *figures,
        *tables,
        *(("Exploration", "Interactive maps", (m,)) for m in maps),
        GALLERY,
    ]
    assert sorted(checked) == sorted(listed), "a figure, table or map was not listed"
    broken = browser.execute_script(
        "return Array.from(document.images).filter(i => i.complete && i.naturalWidth === 0)"
        ".map(i => i.src.slice(0, 60))"
    )
    assert broken == []


def test_every_page_and_item_of_the_mini_report_opens(mini_report: Path, browser) -> None:
    """The mini run's report (one model and an image folder, as the default config's: two
    interactive maps, the shape whose menu page went blank, issue 19) through walk_report."""
    walk_report(browser, mini_report)


def test_every_embedded_figure_decodes(report: Path, tiny_finished: Path) -> None:
    from PIL import Image

    html = report.read_text()
    pngs = re.findall(
        r'"data_uri": "data:image/png;charset=utf8;filename=[^;]*;base64,([^"]+)"', html
    )
    # google.png of each of the two models, their comparison's two figures, t-SNE and
    # confusion plots of 'first' and 'all'
    assert len(pngs) == 8
    images = (tiny_finished / "results/images").rglob("*.png")
    google = (tiny_finished / "results/analogy").glob("*/google.png")
    comparison = tiny_finished / "results/comparison"
    files = [*google, comparison / "models.png", comparison / "models_all.png", *images]
    assert len(files) == 8
    embedded = sorted(base64.b64decode(data) for data in pngs)
    assert embedded == sorted(f.read_bytes() for f in files)
    for data in embedded:
        Image.open(io.BytesIO(data)).verify()


# --- exploration: the interactive maps and the retrieval gallery --------------------------------

# the screen position of the first point of a bokeh page's figure (BokehJS's own scales)
FIRST_POINT = """
const views = [];
function walk(v) { views.push(v); for (const c of (v.child_views ?? [])) walk(c); }
for (const root of Object.values(Bokeh.index)) walk(root);
const figure = views.find(v => v.model.type == "Figure");
const glyphs = figure.model.renderers.find(r => r.data_source && r.data_source.data.x?.length);
const box = figure.el.getBoundingClientRect();
return [box.left + figure.frame.x_scale.compute(glyphs.data_source.data.x[0]),
        box.top + figure.frame.y_scale.compute(glyphs.data_source.data.y[0])];
"""
# every tooltip on screen (bokeh draws them in shadow roots): its text and its images' widths
TOOLTIPS = """
const found = [];
function scan(root) {
  for (const el of root.querySelectorAll("*")) {
    if (el.classList?.contains("embedlab-tip")) found.push(el);
    if (el.shadowRoot) scan(el.shadowRoot);
  }
}
scan(document);
return found.filter(e => e.getBoundingClientRect().width > 0)
  .map(e => [e.innerText, [...e.querySelectorAll("img")].map(i => i.complete && i.naturalWidth)]);
"""


def hover_first_point(browser) -> list:
    """Inside the report's frame showing a bokeh page: move the mouse onto the first point and
    return the tooltips that show."""

    frame = shown_frame(browser)
    offset = frame.rect
    browser.switch_to.frame(frame)
    try:
        wait_for_bokeh(browser)
        assert browser.execute_script(TOOLTIPS) == []
        x, y = browser.execute_script(FIRST_POINT)
        browser.switch_to.default_content()
        browser.execute_cdp_cmd(
            "Input.dispatchMouseEvent",
            {"type": "mouseMoved", "x": offset["x"] + x, "y": offset["y"] + y},
        )
        browser.switch_to.frame(frame)
        return wait_for(lambda: browser.execute_script(TOOLTIPS))
    finally:
        browser.switch_to.default_content()


def test_zip_report_gallery_and_map_tooltips(
    zip_report: Path, tiny_finished: Path, browser
) -> None:
    """The report as a zip (each result a file beside the page): the retrieval gallery loads
    every thumbnail; hovering over a point of the image map shows that image's thumbnail
    (loaded), class and file; over the word map, the word."""
    tsv = read_tsv(tiny_finished / "results/images/digits/analysis/all/tsne.tsv")
    first_class = sorted({r["class"] for r in tsv})[0]
    first_file = next(r["path"] for r in tsv if r["class"] == first_class)
    open_item(browser, zip_report, *GALLERY)
    assert_gallery_loads(browser)

    open_item(browser, zip_report, "Exploration", "Interactive maps", ("images: digits",))
    ((text, widths),) = hover_first_point(browser)
    assert text.split("\n") == [first_class, first_file]
    assert widths and all(w > 0 for w in widths), "the thumbnail did not load"

    open_item(browser, zip_report, "Exploration", "Interactive maps", ("words: glove.tiny",))
    tips = hover_first_point(browser)
    assert [t for t, _ in tips] == ["the (rank 1)"]  # the most frequent word, drawn first


# the word map's two plots, as BokehJS holds them: the words written on the t-SNE plot (its
# Text glyph: the words, whether each lies inside the visible ranges, their screen positions),
# the analogy labels, and each plot's frame; label boxes as the browser measures the text
WORD_MAP = """
const views = [];
function walk(v) { views.push(v); for (const c of (v.child_views ?? [])) walk(c); }
for (const root of Object.values(Bokeh.index)) walk(root);
const [tsne, pca] = views.filter(v => v.model.type == "Figure");
const context = document.createElement("canvas").getContext("2d");
function box(text, font, x, y, align) {
  context.font = font;
  const m = context.measureText(text), h = m.fontBoundingBoxAscent + m.fontBoundingBoxDescent;
  const w = m.width;
  return align == "center" ? [x - w / 2, y - h / 2, x + w / 2, y + h / 2] : [x, y - h, x + w, y];
}
const font = (g) => `${g.text_font_size.value} ${g.text_font.value}`;
const text = tsne.model.renderers.find(r => r.glyph?.type == "Text");
const glyph = tsne.renderer_views.get(text).glyph;
const data = text.data_source.data, xr = tsne.model.x_range, yr = tsne.model.y_range;
const labels = pca.model.center.find(a => a.type == "LabelSet");
const ld = labels.source.data, frame = (v) => v.frame.bbox;
const scale = pca.frame;
return {
  words: [...data.word],
  xy: data.word.map((w, i) => [data.x[i], data.y[i]]),
  inside: data.word.map((w, i) => xr.start <= data.x[i] && data.x[i] <= xr.end &&
                                  yr.start <= data.y[i] && data.y[i] <= yr.end),
  boxes: data.word.map((w, i) => box(w, font(text.glyph), glyph.sx[i], glyph.sy[i], "center")),
  frame: [frame(tsne).left, frame(tsne).top, frame(tsne).right, frame(tsne).bottom],
  view: [xr.start, xr.end, yr.start, yr.end],
  analogy_words: [...ld.word],
  analogy_boxes: ld.word.map((w, i) => box(w, font(labels),
    scale.x_scale.compute(ld.x[i]) + ld.dx[i], scale.y_scale.compute(ld.y[i]) - ld.dy[i], "left")),
  analogy_frame: [frame(pca).left, frame(pca).top, frame(pca).right, frame(pca).bottom],
};
"""
# zoom the t-SNE plot on its first point ('the'), to a third of each range
ZOOM = """
const views = [];
function walk(v) { views.push(v); for (const c of (v.child_views ?? [])) walk(c); }
for (const root of Object.values(Bokeh.index)) walk(root);
const tsne = views.find(v => v.model.type == "Figure").model;
const points = tsne.renderers[0].data_source.data;
const [x, y] = [points.x[0], points.y[0]];
const [w, h] = [tsne.x_range.end - tsne.x_range.start, tsne.y_range.end - tsne.y_range.start];
tsne.x_range.setv({start: x - w / 6, end: x + w / 6});
tsne.y_range.setv({start: y - h / 6, end: y + h / 6});
"""
NO_SIDEWAYS_SCROLL = (
    "const e = document.scrollingElement; return [e.scrollWidth, e.clientWidth, e.scrollHeight]"
)


def overlaps(boxes: list[list[float]]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[i + 1 :], i + 1)
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]


def inside(box: list[float], frame: list[float]) -> bool:
    return frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] and box[3] <= frame[3]


def assert_word_map_readable(browser, frequent: list[str]) -> None:
    """On the word map the report shows (the single-file report: the map is one data: URL
    there): the most frequent words of the store (`frequent`) are written on the t-SNE plot,
    drawn inside the visible ranges, no two labels overlapping (boxes as the browser measures
    them); zooming in writes more words in the zoomed area; the analogy labels overlap neither
    each other nor the plot's edge; and the page fits the frame's width."""
    shown = in_bokeh_frame(browser, WORD_MAP)
    words = shown["words"]
    assert "the" in words and len(set(frequent) & set(words)) >= 6, (frequent, words[:20])
    assert len(words) >= 50 and all(shown["inside"]), len(words)
    assert all(inside(b, shown["frame"]) for b in shown["boxes"]), "a label crosses the edge"
    assert overlaps(shown["boxes"]) == [], "labels overlap"

    before = shown["view"]
    in_bokeh_frame(browser, ZOOM)
    zoomed = in_bokeh_frame(browser, WORD_MAP)
    x0, x1, y0, y1 = zoomed["view"]
    assert (x1 - x0) < (before[1] - before[0]) / 2  # the zoom took
    assert all(zoomed["inside"]) and overlaps(zoomed["boxes"]) == []
    assert "the" in zoomed["words"]
    # more words written in the zoomed area than were written there before
    there = [(x, y) for x, y in shown["xy"] if x0 <= x <= x1 and y0 <= y <= y1]
    assert len(zoomed["words"]) > len(there), (there, zoomed["words"])

    assert sorted(shown["analogy_words"]) == ["king", "man", "queen", "woman"]
    boxes = shown["analogy_boxes"]
    assert all(inside(b, shown["analogy_frame"]) for b in boxes), (boxes, shown["analogy_frame"])
    assert overlaps(boxes) == []
    width, client, _ = in_bokeh_frame(browser, f"{NO_SIDEWAYS_SCROLL};")
    assert width <= client, f"the word map scrolls sideways: {width} > {client}"


def test_every_report_item_fits_a_data_url(report: Path) -> None:
    """Chromium opens no data: URL over 2 MB: every item of the single-file report stays under
    it (that the maps draw in the report's frame, without sideways scrolling: the walk)."""
    from embedlab.explore.page import DATA_URL_LIMIT

    urls = re.findall(r'"(data:[^"]*)"', report.read_text(encoding="utf-8"))
    maps = [u for u in urls if ";filename=map.html;" in u]
    assert len(maps) == 3, [u[:60] for u in urls]  # the images', and one per model
    too_long = [(u[:60], len(u)) for u in urls if len(u) > DATA_URL_LIMIT]
    assert too_long == []


GALLERY = ("Exploration", "Image retrieval", ("gallery",))


def assert_gallery_loads(browser) -> None:
    """The retrieval gallery the report shows: one query per class of the tiny run's digits and
    its 5 hits, every thumbnail loaded."""
    from selenium.webdriver.common.by import By

    frame = shown_frame(browser)
    browser.switch_to.frame(frame)
    try:
        images = wait_for(lambda: browser.find_elements(By.TAG_NAME, "img"))
        loaded = wait_for(
            lambda: browser.execute_script(
                "const all = [...document.images];"
                "return all.every(i => i.complete) && all.map(i => i.naturalWidth)"
            )
        )
        captions = browser.find_element(By.TAG_NAME, "body").text
    finally:
        browser.switch_to.default_content()
    assert len(images) == 10 * (1 + 5)  # one query per class and its 5 hits
    assert all(w > 0 for w in loaded), loaded
    assert "query: 0" in captions and "query: 9" in captions
