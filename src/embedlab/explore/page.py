"""One self-contained HTML page per interactive map: it opens offline, from disk, inside the zip
report and inside the single-file report.

The single-file report embeds each page as a `data:` URL, and Chromium opens no URL longer than
2 MB (`DATA_URL_LIMIT`): the frame stays empty. BokehJS alone is 1.3 MB, 1.7 MB once the report
base64-encodes it, so the page carries BokehJS gzip-compressed (about 350 kB) and a few lines of
JavaScript unpack it with the browser's DecompressionStream before drawing the map. The map
itself is bokeh's JSON item, as bokeh writes it (its arrays already gzip-compressed).

The same map gives the same bytes: gzip without a time stamp, the JSON item holds no random
identifiers (the models' own ids are a counter, the same in every fresh job process).
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import json
import math
import os
from typing import TYPE_CHECKING, Any

from embedlab.common.atomic import atomic_output

if TYPE_CHECKING:
    import logging

    from bokeh.model import Model

# Chromium's longest URL (url::kMaxURLChars); a longer data: URL in a frame shows nothing
DATA_URL_LIMIT = 2 * 1024 * 1024
# what Snakemake's report writes before a page's base64 (a generous length for the file name)
DATA_URL_PREFIX = len("data:text/html;charset=utf8;filename=map.html;base64,") + 64
TARGET_ID = "embedlab-map"

STYLE = """
html, body { box-sizing: border-box; margin: 0; padding: 0; }
body { font-family: sans-serif; }
.embedlab-title { margin: 6px 8px; font-size: 14px; font-weight: bold; color: #444; }
.embedlab-note { margin: 6px 8px; font-weight: bold; }
"""

LOADER = """
(async () => {
  const target = document.getElementById("%(target)s");
  try {
    const packed = document.getElementById("embedlab-bokehjs").textContent.trim();
    const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    for (const code of JSON.parse(await new Response(stream).text())) {
      const script = document.createElement("script");
      script.textContent = code;
      document.head.appendChild(script);
    }
    const item = JSON.parse(document.getElementById("embedlab-item").textContent);
    await Bokeh.embed.embed_item(item, "%(target)s");
  } catch (error) {
    target.textContent = "This map needs a browser from 2023 or later (JavaScript and " +
      "DecompressionStream): " + error;
    throw error;
  }
})();
"""


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' (escaped as JSON allows)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@functools.lru_cache(maxsize=4)
def _packed_bokehjs(scripts: tuple[str, ...]) -> str:
    """The BokehJS bundles, in order, as a JSON list gzip-compressed (level 9, no time stamp)
    and base64-encoded."""
    raw = json.dumps(list(scripts)).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")


def data_url_length(page_bytes: int) -> int:
    """The length of the data: URL the single-file report makes of a page of that size."""
    return DATA_URL_PREFIX + 4 * math.ceil(page_bytes / 3)


def fits_a_data_url(page_bytes: int) -> bool:
    return data_url_length(page_bytes) <= DATA_URL_LIMIT


def warn_unless_it_fits(log: logging.Logger, page_bytes: int, what_to_do: str) -> None:
    """A map job's warning when its page (of `page_bytes`) would stay empty in the single-file
    report; `what_to_do` follows the common start of the message."""
    if not fits_a_data_url(page_bytes):
        log.warning(
            "map.html is over the 2 MB data: URL a browser opens in the single-file report"
            + what_to_do
        )


def page_html(root: Model, title: str, note: str | None = None) -> str:
    """The page of the bokeh layout `root`: the title and the note (plain text, wrapped to the
    page's width, where a plot's own title would be cut off) above it."""
    from bokeh.embed import json_item
    from bokeh.embed.bundle import bundle_for_objs_and_resources
    from bokeh.resources import INLINE

    bundle = bundle_for_objs_and_resources([root], INLINE)
    if bundle.js_files or bundle.css_files:
        raise ValueError(f"BokehJS resources from files: {bundle.js_files + bundle.css_files}")
    item = json_item(root)
    note_html = f'<p class="embedlab-note">{html.escape(note)}</p>\n' if note else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{STYLE}</style>\n"
        "</head>\n<body>\n"
        f'<p class="embedlab-title">{html.escape(title)}</p>\n'
        f"{note_html}"
        f'<div id="{TARGET_ID}"></div>\n'
        f'<script type="application/json" id="embedlab-item">{_script_json(item)}</script>\n'
        '<script type="application/octet-stream" id="embedlab-bokehjs">\n'
        f"{_packed_bokehjs(tuple(bundle.js_raw))}\n</script>\n"
        f"<script>{LOADER % {'target': TARGET_ID}}</script>\n"
        "</body>\n</html>\n"
    )


def save_page(root: Model, out: str | os.PathLike[str], title: str, note: str | None = None) -> int:
    """Write the page of `root` to `out` (atomically); returns its size in bytes."""
    page = page_html(root, title, note).encode("utf-8")
    with atomic_output(out) as tmp:
        tmp.write_bytes(page)
    return len(page)
