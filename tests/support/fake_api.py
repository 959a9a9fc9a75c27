"""A local HTTP server that speaks the Anthropic Messages API from a script.

Tests drive the real `anthropic` SDK against it on 127.0.0.1: JSON and SSE replies, tool use,
HTTP errors, error events inside a stream, and connections dropped mid-stream.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer to the next POST /v1/messages."""

    text_chunks: list[str] = field(default_factory=list)
    tool_use: dict[str, Any] | None = None
    status: int = 200
    error_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    drop_after: int | None = None
    """Close the connection after this many text chunks, mid-stream."""
    stream_error: str | None = None
    """Send `event: error` of this type after the text chunks."""
    delay_per_chunk: float = 0.0
    html: bool = False
    """Answer 200 with a web page, as a misconfigured base URL would."""
    garbage_after: int | None = None
    """Send a malformed event (`garbage`) after this many text chunks."""
    garbage: str = "{not json"
    """The data of that event: not JSON, or JSON that is not what the event should hold."""
    silent_for: float = 0.0
    """Before answering at all, say nothing for this long (a hanging endpoint)."""
    stall_after: int | None = None
    """Go silent after this many text chunks, the connection left open, for `silent_for`."""
    cut_after: str | None = None
    """End the body cleanly right after this event (`message_start`, `content_block_start`,
    `message_delta`): no error, just a stream that stops there."""
    broken: bool = False
    """With `cut_after`: close the connection instead, without ending the body."""


def text(*chunks: str, delay: float = 0.0) -> Reply:
    """A plain reply, streamed in these chunks."""
    return Reply(text_chunks=list(chunks), delay_per_chunk=delay)


def tool_use(
    name: str, arguments: dict[str, Any], *, call_id: str = "toolu_1", say: str = ""
) -> Reply:
    """A reply that calls a tool (optionally after some text)."""
    return Reply(
        text_chunks=[say] if say else [],
        tool_use={"id": call_id, "name": name, "input": arguments},
    )


def error(status: int, error_type: str, headers: dict[str, str] | None = None) -> Reply:
    """An HTTP error answer."""
    return Reply(status=status, error_type=error_type, headers=headers or {})


def dropped(*chunks: str) -> Reply:
    """A stream that sends these chunks, then the connection drops."""
    return Reply(text_chunks=list(chunks), drop_after=len(chunks))


class _QuietServer(ThreadingHTTPServer):
    """A client hanging up mid-stream is part of the tests, not an error worth printing."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class FakeMessagesAPI:
    """The server; `requests` records every request body it received."""

    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for it, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, *replies: Reply) -> None:
        """Queue replies, answered in order."""
        self.script.extend(replies)

    def start(self) -> FakeMessagesAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                api.requests.append(body)
                api.headers.append({k.lower(): v for k, v in self.headers.items()})
                if self.path.rstrip("/") != "/v1/messages":
                    self._json(404, _error_body("not_found_error", self.path))
                    return
                reply = api.script.popleft() if api.script else error(500, "script_exhausted")
                if reply.silent_for and reply.stall_after is None:
                    time.sleep(reply.silent_for)
                if reply.html:
                    page = b"<html><body>Welcome to nginx!</body></html>"
                    self.send_response(200)
                    self.send_header("content-type", "text/html")
                    self.send_header("content-length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                elif reply.status != 200:
                    self._json(reply.status, _error_body(reply.error_type or "api_error"), reply)
                elif body.get("stream"):
                    self._stream(body, reply)
                else:
                    self._json(200, _message(body, reply))

            def _json(
                self, status: int, payload: dict[str, Any], reply: Reply | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in (reply.headers if reply else {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _chunk(self, event: str, data: dict[str, Any]) -> None:
                payload = f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()
                self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
                self.wfile.flush()

            def _cut(self, reply: Reply) -> None:
                if reply.broken:
                    self.close_connection = True
                    self.wfile.flush()
                    self.connection.shutdown(2)
                else:
                    self.wfile.write(b"0\r\n\r\n")

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                message = _message(body, reply)
                start = {**message, "content": [], "stop_reason": None}
                start["usage"] = {"input_tokens": 10, "output_tokens": 1}
                self._chunk("message_start", {"type": "message_start", "message": start})
                if reply.cut_after == "message_start":
                    self._cut(reply)
                    return
                index = 0
                if reply.text_chunks:
                    self._chunk(
                        "content_block_start",
                        {
                            "type": "content_block_start",
                            "index": 0,
                            "content_block": {"type": "text", "text": ""},
                        },
                    )
                    if reply.cut_after == "content_block_start":
                        self._cut(reply)
                        return
                    for number, piece in enumerate(reply.text_chunks):
                        if reply.drop_after is not None and number >= reply.drop_after:
                            break
                        if number == reply.garbage_after:
                            garbage = (
                                f"event: content_block_delta\ndata: {reply.garbage}\n\n".encode()
                            )
                            self.wfile.write(f"{len(garbage):x}\r\n".encode() + garbage + b"\r\n")
                            self.wfile.flush()
                        if number == reply.stall_after:
                            time.sleep(reply.silent_for)
                            return
                        time.sleep(reply.delay_per_chunk)
                        self._chunk(
                            "content_block_delta",
                            {
                                "type": "content_block_delta",
                                "index": 0,
                                "delta": {"type": "text_delta", "text": piece},
                            },
                        )
                    if reply.drop_after is not None:
                        # Close without the terminating chunk: the client sees a broken body.
                        self.close_connection = True
                        self.wfile.flush()
                        self.connection.shutdown(2)
                        return
                    self._chunk("content_block_stop", {"type": "content_block_stop", "index": 0})
                    index = 1
                if reply.stream_error:
                    self._chunk("error", _error_body(reply.stream_error))
                    self.wfile.write(b"0\r\n\r\n")
                    return
                if reply.tool_use:
                    self._chunk(
                        "content_block_start",
                        {
                            "type": "content_block_start",
                            "index": index,
                            "content_block": {**reply.tool_use, "type": "tool_use", "input": {}},
                        },
                    )
                    self._chunk(
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": index,
                            "delta": {
                                "type": "input_json_delta",
                                "partial_json": json.dumps(reply.tool_use["input"]),
                            },
                        },
                    )
                    self._chunk(
                        "content_block_stop", {"type": "content_block_stop", "index": index}
                    )
                self._chunk(
                    "message_delta",
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                        "usage": {"output_tokens": 5},
                    },
                )
                if reply.cut_after == "message_delta":
                    self._cut(reply)
                    return
                self._chunk("message_stop", {"type": "message_stop"})
                self.wfile.write(b"0\r\n\r\n")

        return Handler


def _error_body(error_type: str, message: str = "scripted error") -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}


def _message(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if reply.text_chunks:
        content.append({"type": "text", "text": "".join(reply.text_chunks)})
    if reply.tool_use:
        content.append({"type": "tool_use", **reply.tool_use})
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "unknown"),
        "content": content,
        "stop_reason": "tool_use" if reply.tool_use else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }
