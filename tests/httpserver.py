"""A tiny HTTP server on 127.0.0.1 for download tests: Range support and injectable faults."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Served:
    body: bytes
    drop_after: int | None = None  # close the connection after this many body bytes ...
    drops_left: int = 0  # ... this many times
    honour_range: bool = True
    ranges_seen: list[str | None] = field(default_factory=list)


class FileServer:
    def __init__(self) -> None:
        self.files: dict[str, Served] = {}
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                served = files.get(self.path)
                if served is None:
                    self.send_error(404, "Not Found")
                    return
                rng = self.headers.get("Range")
                served.ranges_seen.append(rng)
                start = 0
                if rng and served.honour_range:
                    start = int(rng.removeprefix("bytes=").split("-")[0])
                    if start >= len(served.body):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(served.body)}")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header(
                        "Content-Range", f"bytes {start}-{len(served.body) - 1}/{len(served.body)}"
                    )
                else:
                    self.send_response(200)
                payload = served.body[start:]
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if served.drop_after is not None and served.drops_left > 0:
                    served.drops_left -= 1
                    self.wfile.write(payload[: served.drop_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # shutdown() waits for serve_forever's next poll: every 0.5 s by default, which was
        # half a second of every test that used a server
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self) -> FileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
