"""The demo site on 127.0.0.1: a browser that drops a connection mid-request is not a fault worth a traceback."""

from __future__ import annotations

import socket
import struct
import threading
import time

from checker.demo.server import DemoServer


def _reset_mid_request(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /static/ui.js HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the request's end never comes
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = reset


def test_a_connection_reset_by_the_browser_prints_no_traceback_but_other_errors_do(capsys):
    server = DemoServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _reset_mid_request(server.server_address[1])
        time.sleep(0.3)  # the handler thread reads, meets the reset and ends
        assert "Traceback" not in capsys.readouterr().err
        try:
            raise ValueError("a real fault")
        except ValueError:
            server.handle_error(None, ("127.0.0.1", 0))
        assert "ValueError: a real fault" in capsys.readouterr().err
    finally:
        server.shutdown()
        server.server_close()
