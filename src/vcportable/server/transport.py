"""uvicorn's HTTP protocol with ``TCP_NODELAY`` set on every connection, and a bound on the
size of a request's head.

asyncio sets ``TCP_NODELAY`` only on sockets whose ``proto`` reads ``IPPROTO_TCP``; the socket
uvicorn hands its worker processes (``workers > 1``) reads 0, so Nagle's algorithm met the
client's delayed ACK and every response waited about 40 ms (measured: 45 ms for /healthz with
2 workers, 2 ms with one). Setting the option here makes both modes the same.

The C parser (httptools) buffers a header however long it is: a review sent one of 200 MB and
the worker grew by 260 MB. A head over :data:`MAX_HEAD_BYTES` is answered 431 and the
connection closed (h11, the fallback, has its own bound of 16 KiB).
"""

from __future__ import annotations

import contextlib
import json
import socket
from typing import Any

try:  # uvicorn[standard]: the C parser, when installed
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base  # type: ignore[assignment]


#: The longest request line and headers taken (a browser sends under 8 KiB).
MAX_HEAD_BYTES = 64 * 1024
_COUNTS_HEAD = hasattr(_Base, "on_headers_complete")  # httptools; h11 bounds its own
_TOO_LARGE = json.dumps(
    {"code": "TOO_LARGE", "message": f"the request head is over {MAX_HEAD_BYTES} bytes"}
).encode()


class NoDelayProtocol(_Base):
    #: Bytes of the current request's head read so far; None from the end of its headers to
    #: the end of its body. A read that holds the end of one request and the start of the
    #: next is not counted for the next: the bound is this plus one read (256 KiB).
    _head: int | None = 0

    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if _COUNTS_HEAD and self._head is not None:
            end = data.find(b"\r\n\r\n")  # where this read holds the head's end, the body follows
            self._head += end + 4 if end >= 0 else len(data)
            if self._head > MAX_HEAD_BYTES:
                self.transport.write(
                    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                    b"content-type: application/json\r\nconnection: close\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(_TOO_LARGE), _TOO_LARGE)
                )
                self.transport.close()
                self._head = None
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._head = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head = 0  # the next request on a kept-alive connection: counted from its start
