"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives in memory.

Tests send through ``SmtpChannel`` to it and read the messages back; `laskutin mailcatcher`
(delivery/dev_mailbox.py) serves it with a ``store`` that writes each message to a folder, so
that mail sent in development is visible and reaches nobody. It runs its own
event loop in a thread, so it serves sync tests, async tests and other processes alike.

    with running_smtp_catcher(refuse={"nobody@example.fi"}) as catcher:
        ...  # send to catcher.host, catcher.port
        catcher.messages[0].message["Subject"]
"""

from __future__ import annotations

import asyncio
import email
import logging
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy as email_policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # never another interface: this server accepts mail from anyone who reaches it


@dataclass(frozen=True)
class CaughtMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes = field(repr=False)  # the bytes as received
    smtputf8: bool
    tls: bool  # whether the session ran over TLS (implicit or STARTTLS)

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email_policy.default)


class SmtpCatcher:
    """``refuse`` recipients get 550, ``defer`` recipients 451 (case-insensitive addresses);
    ``data_reply``, when set, answers every DATA instead of accepting the message.

    ``store``, when set, receives each accepted message (in the catcher's thread) instead of
    ``messages``; an exception from it answers DATA with 451 (try again later). ``port`` 0
    takes a free port; ``host`` must be a loopback address."""

    def __init__(
        self,
        *,
        refuse: Iterable[str] = (),
        defer: Iterable[str] = (),
        starttls_context: ssl.SSLContext | None = None,
        require_starttls: bool = False,
        implicit_tls_context: ssl.SSLContext | None = None,
        smtputf8: bool = True,
        data_reply: str | None = None,
        store: Callable[[CaughtMessage], None] | None = None,
        host: str = HOST,
        port: int = 0,
    ) -> None:
        self.host = host
        self.port = port
        self._store = store
        self.messages: list[CaughtMessage] = []
        self.refuse = {address.lower() for address in refuse}
        self.defer = {address.lower() for address in defer}
        self._starttls_context = starttls_context
        self._require_starttls = require_starttls
        self._implicit_tls_context = implicit_tls_context
        self._smtputf8 = smtputf8
        self.data_reply = data_reply  # e.g. "554 5.6.0 refused": answer DATA with it, keep nothing
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._protocols: list[SMTP] = []
        self._error: BaseException | None = None

    # --- aiosmtpd handler hooks (run in the catcher's thread) ---

    async def handle_RCPT(  # aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: recipient refused"
        if address.lower() in self.defer:
            return f"451 4.3.0 <{address}>: try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(  # aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.data_reply is not None:
            return self.data_reply
        content = envelope.original_content or b""
        caught = CaughtMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=content,
            smtputf8=envelope.smtp_utf8,
            tls=_over_tls(server),
        )
        if self._store is None:
            self.messages.append(caught)
            return "250 2.0.0 OK: message caught"
        try:
            self._store(caught)
        except Exception:  # a full disk, a removed folder: the sender keeps the message
            log.exception("could not keep a caught message")
            return "451 4.3.0 the catcher could not keep the message; try again later"
        return "250 2.0.0 OK: message caught"

    # --- life cycle ---

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the catcher is already running")
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(ready,), name="smtp-catcher", daemon=True
        )
        self._thread.start()
        ready.wait()
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise self._error

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None

    def _factory(self) -> SMTP:
        protocol = SMTP(
            self,
            hostname="catcher.localhost",
            enable_SMTPUTF8=self._smtputf8,
            tls_context=self._starttls_context,
            require_starttls=self._require_starttls,
            loop=self._loop,
        )
        self._protocols.append(protocol)
        return protocol

    def _serve(self, ready: threading.Event) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        server: asyncio.AbstractServer | None = None
        try:
            server = loop.run_until_complete(
                loop.create_server(
                    self._factory, self.host, self.port, ssl=self._implicit_tls_context
                )
            )
            self.port = server.sockets[0].getsockname()[1]
        except BaseException as exc:  # a bind failure is the caller's to see
            self._error = exc
        ready.set()
        try:
            if server is not None:
                loop.run_forever()
                server.close()
                for protocol in self._protocols:
                    if protocol.transport is not None:
                        protocol.transport.close()
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                loop.run_until_complete(
                    asyncio.gather(*pending, server.wait_closed(), return_exceptions=True)
                )
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _over_tls(server: SMTP) -> bool:
    transport = server.transport
    return transport is not None and transport.get_extra_info("ssl_object") is not None


@contextmanager
def running_smtp_catcher(**options: Any) -> Iterator[SmtpCatcher]:
    """A started ``SmtpCatcher`` (options as for its constructor), stopped on leaving."""
    catcher = SmtpCatcher(**options)
    catcher.start()
    try:
        yield catcher
    finally:
        catcher.stop()
