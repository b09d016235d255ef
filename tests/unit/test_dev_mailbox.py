"""The development mailbox folder: names that sort by arrival, the newest kept, read back."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from laskutin.delivery import EmailMessageData, build_message
from laskutin.delivery.catcher import CaughtMessage
from laskutin.delivery.dev_mailbox import (
    console_store,
    links_in,
    read_mails,
    store_message,
    summary_line,
)
from laskutin.delivery.email import MESSAGE_POLICY

SENDER = "Laskutin <noreply@laskutin.example.fi>"


def caught(subject: str, text: str = "Hei!\n", to: str = "anna@example.fi") -> CaughtMessage:
    message = build_message(
        EmailMessageData(to=(to,), subject=subject, text=text, message_key=subject), SENDER
    )
    return CaughtMessage(
        mail_from="noreply@laskutin.example.fi",
        rcpt_tos=(to, "bcc@example.fi"),
        data=message.as_bytes(policy=MESSAGE_POLICY),
        smtputf8=False,
        tls=False,
    )


def test_names_sort_by_arrival_and_only_the_newest_are_kept(tmp_path: Path) -> None:
    start = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    for n in range(5):
        store_message(tmp_path, caught(f"Viesti {n}"), keep=3, now=start + dt.timedelta(seconds=n))
    store_message(tmp_path, caught("Sama hetki"), keep=3, now=start + dt.timedelta(seconds=4))

    mails = read_mails(tmp_path, limit=10)
    assert len(list(tmp_path.iterdir())) == 3  # no partial files left
    assert mails[0].subject in ("Sama hetki", "Viesti 4")
    assert {m.subject for m in mails} == {"Sama hetki", "Viesti 4", "Viesti 3"}
    assert len({m.id for m in mails}) == 3
    assert [m.subject for m in read_mails(tmp_path, limit=1)] == [mails[0].subject]


def test_a_mail_reads_back_with_its_headers_and_text(tmp_path: Path) -> None:
    path = store_message(tmp_path, caught("Lasku 1001 – Öljy-Åström Oy", "Rivi ä\nToinen\n"))

    [mail] = read_mails(tmp_path, limit=50)
    assert mail.id == path.stem
    assert mail.subject == "Lasku 1001 – Öljy-Åström Oy"
    assert mail.sender == SENDER
    assert mail.to == ("anna@example.fi",)  # the To header; Bcc only in Delivered-To
    assert mail.text == "Rivi ä\nToinen\n"
    assert mail.date is not None
    assert mail.date.tzinfo is not None
    assert b"Delivered-To: bcc@example.fi\r\n" in path.read_bytes()


def test_no_folder_no_mails(tmp_path: Path) -> None:
    assert read_mails(tmp_path / "missing", limit=50) == []


def test_links_of_the_text() -> None:
    text = (
        "Avaa https://app.example.fi/#/verify-email?token=a.b_c-1. Tai (http://x.example/p), "
        "ei ftp://x.example eikä https://app.example.fi/#/verify-email?token=a.b_c-1 uudelleen."
    )
    assert links_in(text) == [
        "https://app.example.fi/#/verify-email?token=a.b_c-1",
        "http://x.example/p",
    ]


def test_console_line(tmp_path: Path) -> None:
    out = io.StringIO()
    message = caught("Vahvista", "Linkki: http://127.0.0.1:8000/#/verify-email?token=t\n")
    console_store(tmp_path, out=out)(message)

    line = out.getvalue()
    assert line.count("\n") == 1
    assert line.startswith("laskutin mailcatcher: mail to anna@example.fi, bcc@example.fi: ")
    assert "'Vahvista' — http://127.0.0.1:8000/#/verify-email?token=t" in line
    assert summary_line(caught("Ei linkkejä")).endswith("'Ei linkkejä'")
