"""Run an ASGI app on uvicorn in a daemon thread, on loopback, port 0 by default.

The moto `ThreadedMotoServer` shape (style.md §3, §11): start, wait for the ready flag with a
bounded deadline, read the bound port, and on stop ask the server to exit and join the thread.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import uvicorn

from langchain_cfgateway_grok.emulator._app import DeliberateDisconnect


class _DropDeliberateDisconnects(logging.Filter):
    """Keep uvicorn's "Exception in ASGI application" quiet for injected connection drops."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DeliberateDisconnect)


_FILTER = _DropDeliberateDisconnects()


class ThreadedServer:
    """uvicorn serving `app` from a daemon thread.

    Args:
        app: The ASGI application.
        host: Interface to bind; loopback by default (never 0.0.0.0 unless asked).
        port: Port to bind; 0 picks a free one.
        startup_timeout: Seconds to wait for the server to accept connections.
    """

    def __init__(
        self, app: Any, *, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 10.0
    ) -> None:
        self._config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            http="h11",
            ws="none",
            proxy_headers=False,
            server_header=False,  # the real gateway does not say "uvicorn"
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(self._config)
        self._thread: threading.Thread | None = None
        self._startup_timeout = startup_timeout
        self.host = host
        self.port = port

    def start(self) -> None:
        """Start serving; returns once the socket accepts connections."""
        if self._thread is not None:
            msg = "The emulator server is already running."
            raise RuntimeError(msg)
        logger = logging.getLogger("uvicorn.error")
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        self._thread = threading.Thread(
            target=self._server.run, name="cfgateway-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                msg = f"The emulator server failed to start on {self.host}:{self.port}."
                raise RuntimeError(msg)
            if time.monotonic() > deadline:
                self.stop()
                msg = f"The emulator server did not start within {self._startup_timeout} s."
                raise RuntimeError(msg)
            time.sleep(0.005)
        sockets = self._server.servers[0].sockets
        self.host, self.port = sockets[0].getsockname()[:2]

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the server to exit and wait for the thread (bounded)."""
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        """True between `start()` and `stop()`."""
        return self._thread is not None and self._thread.is_alive()
