"""Marketing's webhook endpoint as a real local HTTP server that answers as a test scripts it:
accept (204), an HTTP error status (e.g. 500), a dropped connection, or a reply that is not
HTTP at all (a protocol error for the client)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DROP = "drop"  # close the connection without a word
GARBAGE = "garbage"  # a reply without an HTTP status line


@dataclass
class Marketing:
    url: str
    answers: list[int | str] = field(default_factory=list)  # then 204 for ever
    received: list[dict[str, Any]] = field(default_factory=list)  # accepted messages
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self, body: dict[str, Any]) -> int | str:
        with self.lock:
            self.requests += 1
            answer = self.answers.pop(0) if self.answers else 204
            if answer == 204:
                self.received.append(body)
            return answer


@contextmanager
def marketing_endpoint(*answers: int | str) -> Iterator[Marketing]:
    """A running endpoint; ``answers`` are its first replies, in order (then 204)."""
    marketing = Marketing(url="", answers=list(answers))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            answer = marketing.next_answer(body)
            if answer == DROP:
                self.close_connection = True
                return
            if answer == GARBAGE:
                self.wfile.write(b"this is not HTTP\r\n\r\n")
                self.close_connection = True
                return
            assert isinstance(answer, int)
            self.send_response(answer)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    marketing.url = f"http://127.0.0.1:{server.server_address[1]}/leads/returned"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield marketing
    finally:
        server.shutdown()
        server.server_close()
