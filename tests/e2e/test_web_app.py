"""The built web app in Debian's Chromium against a real `laskutin serve` (issue 7), the whole
flow of a new user, on a desktop and on a 360 px phone.

`make test` builds web/dist and installs the `chromium` package first. This test starts an SMTP
server (aiosmtpd on 127.0.0.1), `laskutin serve` and a `laskutin worker` that sends to it, builds
a second version of the app in the background, and runs web/scripts/e2e.mjs (playwright-core, no
downloaded browser) once per viewport: sign up, the company onboarding, a customer and an
invoice in the editor (lines dragged into a new order by touch on the phone, by the mouse on the
desktop), issue, the PDF, send by e-mail until the view shows it sent, the payment, offline after
a reload, and the second version deployed under the open app (the update prompt, refused while a
form is half-filled). Any failed step fails; then the mail each run sent must have reached the
SMTP server with the invoice's PDF attached. The screenshots' folder is printed.
"""

from __future__ import annotations

import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from laskutin.delivery.catcher import CaughtMessage, running_smtp_catcher
from tests.conftest import Cluster, make_temp_dir
from tests.e2e.browser import api_env, building_web_app, run_browser_script, serving
from tests.integration.procs import spawn

MAIL_FROM = "Laskutin <noreply@laskutin.example>"
VIEWPORTS = ("desktop", "phone")


def pdf_attachments(message: EmailMessage) -> list[tuple[str | None, bytes]]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if part.get_content_type() == "application/pdf" and isinstance(payload, bytes):
            found.append((part.get_filename(), payload))
    return found


def invoice_mails(messages: list[CaughtMessage], recipient: str) -> list[EmailMessage]:
    """The invoice mails to ``recipient`` (the account mails of the sign-up go elsewhere)."""
    return [
        caught.message
        for caught in list(messages)
        if recipient in caught.rcpt_tos and str(caught.message["Subject"]).startswith("Lasku ")
    ]


@pytest.mark.slow
def test_the_pwa_from_sign_up_to_a_paid_invoice_offline_and_updated_on_desktop_and_phone(
    cluster: Cluster, database: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shots = make_temp_dir("laskutin-e2e-shots-")  # kept after the test: the screenshots
    next_version = f"e2e-next.{int(time.time())}"
    with (
        building_web_app(workdir / "next-dist", version=next_version) as next_build,
        running_smtp_catcher() as catcher,
    ):
        env = api_env(
            cluster,
            database,
            smtp_host=catcher.host,
            smtp_port=catcher.port,
            smtp_timeout_seconds=5,
            mail_from=MAIL_FROM,
        )
        with (
            serving(env, workdir) as (base, _),
            spawn("worker", "--name", "e2e-web", env=env, cwd=workdir, name="worker") as worker,
        ):
            next_dist = next_build()
            timings = []
            for viewport in VIEWPORTS:
                recipient = f"laskut-{viewport}@selain.example"
                started = time.monotonic()
                run_browser_script(
                    "e2e.mjs",
                    base,
                    env={
                        "VIEWPORT": viewport,
                        "LASKUTIN_E2E_RECIPIENT": recipient,
                        "LASKUTIN_E2E_SCREENSHOTS": str(shots),
                        "LASKUTIN_E2E_NEXT_DIST": str(next_dist),
                        "LASKUTIN_E2E_NEXT_VERSION": next_version,
                    },
                    timeout=600,
                )
                timings.append(f"{viewport} {time.monotonic() - started:.0f} s")

                # The browser saw the delivery "sent": the SMTP server has the mail, with the PDF.
                mails = invoice_mails(catcher.messages, recipient)
                assert len(mails) == 1, (
                    f"{len(mails)} invoice mails to {recipient}\n{worker.output()[-3000:]}"
                )
                [mail] = mails
                assert "E2E Oy" in str(mail["Subject"])
                [(filename, pdf)] = pdf_attachments(mail)
                assert filename is not None
                assert filename.startswith("Lasku_")
                assert filename.endswith(".pdf")
                assert pdf.startswith(b"%PDF")
                assert "Liitteenä on lasku" in str(mail.get_body(("plain",)).get_content())  # type: ignore[union-attr]

    with capsys.disabled():
        print(f"\nscreenshots: {shots} ({', '.join(timings)})")
