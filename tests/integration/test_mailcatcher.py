"""`laskutin mailcatcher`: the development mailbox as a process of its own."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from laskutin.delivery import EmailMessageData, SmtpChannel, build_message
from laskutin.delivery.dev_mailbox import mailbox_dir, parse, text_of
from tests.integration.procs import (
    assert_one_clear_line,
    free_port,
    laskutin_env,
    run_cli,
    spawn,
    wait_until,
)

LINK = "http://127.0.0.1:8000/#/verify-email?token=abc-123_x"
SUBJECT = "Vahvista sähköpostiosoitteesi – Åbo"


@pytest.mark.slow
def test_a_mail_sent_over_smtp_lands_in_the_mailbox_and_on_the_console(
    workdir: Path, data_dir: Path
) -> None:
    port = free_port()
    env = laskutin_env(data_dir=data_dir)
    with spawn("mailcatcher", "--port", str(port), env=env, cwd=workdir, name="catcher") as c:
        wait_until(
            lambda: "development mail catcher on" in c.output() or c.process.poll() is not None,
            deadline=60,
            what="the catcher to listen",
        )
        assert c.process.poll() is None, c.output()
        assert f"127.0.0.1:{port}" in c.output()
        message = build_message(
            EmailMessageData(
                to=("matti@example.fi",),
                subject=SUBJECT,
                text=f"Hei Matti,\n\navaa tämä linkki:\n\n{LINK}.\n\nTerveisin, Laskutin",
                message_key="test-1",
            ),
            "Laskutin <noreply@laskutin.example.fi>",
        )
        asyncio.run(SmtpChannel(host="127.0.0.1", port=port).send(message))

        folder = mailbox_dir(data_dir)
        wait_until(lambda: "mail to" in c.output(), deadline=30, what="the console line")
        [path] = sorted(folder.glob("*.eml"))
        caught = parse(path.read_bytes())
        assert caught["Subject"] == SUBJECT
        assert caught["Delivered-To"] == "matti@example.fi"
        assert LINK in text_of(caught)
        [line] = [line for line in c.output().splitlines() if "mail to" in line]
        assert "matti@example.fi" in line
        assert SUBJECT in line
        assert line.split(" — ", 1)[1].split()[0] == LINK  # without the full stop after it

        c.signal(signal.SIGTERM)
        assert c.wait() == 0, c.output()
        assert "Traceback" not in c.output()


def test_refused_in_production(workdir: Path) -> None:
    env = laskutin_env(
        env="production",
        secret_key="x" * 40,
        database_url="postgresql://laskutin_app@127.0.0.1:1/laskutin",
    )
    line = assert_one_clear_line(
        run_cli("mailcatcher", "--port", str(free_port()), env=env, cwd=workdir)
    )
    assert "development" in line


def test_listens_on_loopback_only(workdir: Path) -> None:
    env = laskutin_env(data_dir=workdir / "data")
    line = assert_one_clear_line(
        run_cli("mailcatcher", "--host", "0.0.0.0", "--port", "0", env=env, cwd=workdir)
    )
    assert "loopback" in line
