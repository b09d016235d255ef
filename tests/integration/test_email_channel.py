"""The e-mail channel against a real SMTP server (aiosmtpd on 127.0.0.1, in-process thread)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterator
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from laskutin.delivery import (
    Attachment,
    EmailMessageData,
    PermanentDeliveryError,
    SmtpChannel,
    TemporaryDeliveryError,
    build_message,
)
from laskutin.delivery.catcher import SmtpCatcher, running_smtp_catcher
from laskutin.delivery.email import SmtpSecurity

SENDER = Address("Laskutin – Åbo & Närpiö", "noreply", "laskutin.example.fi")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + bytes(range(256))
SUBJECT = "Lasku 1001 – Ääkköset ja å: Öljy-Åström Oy"


@pytest.fixture
def catcher() -> Iterator[SmtpCatcher]:
    with running_smtp_catcher(refuse={"ei.ketaan@example.fi"}, defer={"myohemmin@example.fi"}) as c:
        yield c


def channel_for(catcher: SmtpCatcher, **options: object) -> SmtpChannel:
    return SmtpChannel(host=catcher.host, port=catcher.port, timeout_seconds=5, **options)  # type: ignore[arg-type]


def data(**changes: object) -> EmailMessageData:
    values: dict[str, object] = {
        "to": ("Mätti Meikäläinen <matti@example.fi>",),
        "subject": SUBJECT,
        "text": "Hei,\n\nliitteenä lasku. Eräpäivä 1.12.2026.\nMvh Åsa Öberg\n",
        "message_key": "invoice-send:7f9c",
    }
    values.update(changes)
    return EmailMessageData(**values)  # type: ignore[arg-type]


async def test_plain_message_arrives_with_finnish_and_swedish_letters(
    catcher: SmtpCatcher,
) -> None:
    message = build_message(data(reply_to="Yritys Åbo <laskutus@yritys.example.fi>"), SENDER)
    await channel_for(catcher).send(message)

    [caught] = catcher.messages
    assert caught.mail_from == "noreply@laskutin.example.fi"
    assert caught.rcpt_tos == ("matti@example.fi",)
    assert not caught.smtputf8  # ASCII addresses: headers travel as RFC 2047 encoded words
    assert caught.data.isascii()
    received = caught.message
    assert received["Subject"] == SUBJECT
    assert received["From"].addresses[0] == SENDER
    assert received["To"].addresses[0].display_name == "Mätti Meikäläinen"
    assert received["Reply-To"].addresses[0].addr_spec == "laskutus@yritys.example.fi"
    assert received["Reply-To"].addresses[0].display_name == "Yritys Åbo"
    assert received["Message-ID"] == message["Message-ID"]
    assert received.get_content_type() == "text/plain"
    assert text_of(received) == data().text


async def test_html_text_and_pdf_attachment_round_trip(catcher: SmtpCatcher) -> None:
    html = "<p>Hei, liitteenä <b>lasku</b> – Eräpäivä 1.12.2026. Mvh Åsa</p>"
    message = build_message(
        data(
            html=html,
            attachments=(Attachment("Lasku 1001 – Åström.pdf", "application/pdf", PDF),),
        ),
        SENDER,
    )
    await channel_for(catcher).send(message)

    received = catcher.messages[0].message
    assert received.get_content_type() == "multipart/mixed"
    body = received.get_body(preferencelist=("plain",))
    assert body is not None
    assert text_of(body) == data().text
    html_part = received.get_body(preferencelist=("html",))
    assert html_part is not None
    assert text_of(html_part).strip() == html
    alternative = next(received.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    [attachment] = list(received.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "Lasku 1001 – Åström.pdf"
    assert attachment.get_content() == PDF


async def test_message_id_is_stable_across_retries(catcher: SmtpCatcher) -> None:
    channel = channel_for(catcher)
    first = build_message(data(), SENDER)
    again = build_message(data(), SENDER)
    other = build_message(data(message_key="invoice-send:8000"), SENDER)
    for message in (first, again, other):
        await channel.send(message)

    ids = [caught.message["Message-ID"] for caught in catcher.messages]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0].endswith("@laskutin.example.fi>")
    assert "7f9c" not in ids[0]


async def test_non_ascii_address_uses_smtputf8(catcher: SmtpCatcher) -> None:
    await channel_for(catcher).send(build_message(data(to=("Äiti <äiti@example.fi>",)), SENDER))
    [caught] = catcher.messages
    assert caught.smtputf8
    assert caught.rcpt_tos == ("äiti@example.fi",)
    assert caught.message["Subject"] == SUBJECT


async def test_non_ascii_address_without_smtputf8_is_permanent() -> None:
    with running_smtp_catcher(smtputf8=False) as catcher:
        with pytest.raises(PermanentDeliveryError):
            await channel_for(catcher).send(build_message(data(to=("äiti@example.fi",)), SENDER))
        assert catcher.messages == []


async def test_refused_recipient_is_permanent(catcher: SmtpCatcher) -> None:
    message = build_message(data(to=("ei.ketaan@example.fi",)), SENDER)
    with pytest.raises(PermanentDeliveryError) as caught:
        await channel_for(catcher).send(message)
    assert caught.value.refused["ei.ketaan@example.fi"].code == 550
    assert caught.value.accepted == ()
    assert catcher.messages == []


async def test_deferred_recipient_is_temporary(catcher: SmtpCatcher) -> None:
    message = build_message(data(to=("myohemmin@example.fi",)), SENDER)
    with pytest.raises(TemporaryDeliveryError) as caught:
        await channel_for(catcher).send(message)
    assert caught.value.refused["myohemmin@example.fi"].code == 451


async def test_partly_refused_says_who_got_it(catcher: SmtpCatcher) -> None:
    message = build_message(data(to=("matti@example.fi", "ei.ketaan@example.fi")), SENDER)
    with pytest.raises(PermanentDeliveryError) as caught:
        await channel_for(catcher).send(message)
    assert caught.value.accepted == ("matti@example.fi",)
    assert set(caught.value.refused) == {"ei.ketaan@example.fi"}
    assert [m.rcpt_tos for m in catcher.messages] == [("matti@example.fi",)]


def text_of(part: EmailMessage) -> str:
    """A text part's content with the wire's CRLF line ends back to \\n."""
    return str(part.get_content()).replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("554 5.6.0 Content refused", PermanentDeliveryError),
        ("452 4.3.1 Insufficient system storage", TemporaryDeliveryError),
    ],
)
async def test_refused_content_follows_the_reply_code(
    catcher: SmtpCatcher, reply: str, error: type[Exception]
) -> None:
    catcher.data_reply = reply
    with pytest.raises(error) as caught:
        await channel_for(catcher).send(build_message(data(), SENDER))
    assert str(caught.value).startswith(reply[:3])
    assert catcher.messages == []


def free_port() -> int:
    """A port nobody listens on (bound and released; nothing else binds 127.0.0.1 ports here)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_nothing_listening_is_temporary_and_quick() -> None:
    channel = SmtpChannel(host="127.0.0.1", port=free_port(), timeout_seconds=5)
    started = time.monotonic()
    with pytest.raises(TemporaryDeliveryError):
        await channel.send(build_message(data(), SENDER))
    assert time.monotonic() - started < 2


async def test_silent_server_times_out_as_temporary() -> None:
    with socket.socket() as listener:  # accepts connections, never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        channel = SmtpChannel(host="127.0.0.1", port=listener.getsockname()[1], timeout_seconds=0.3)
        with pytest.raises(TemporaryDeliveryError):
            await channel.send(build_message(data(), SENDER))


# --- TLS, with a self-signed certificate made for the test ----------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


async def test_starttls_required_by_server(certificate: tuple[Path, Path]) -> None:
    with running_smtp_catcher(
        starttls_context=server_context(certificate), require_starttls=True
    ) as catcher:
        secure = channel_for(
            catcher, security=SmtpSecurity.STARTTLS, tls_context=trusting(certificate)
        )
        await secure.send(build_message(data(), SENDER))
        assert [m.tls for m in catcher.messages] == [True]

        with pytest.raises(TemporaryDeliveryError):  # plain: the server wants STARTTLS first
            await channel_for(catcher).send(build_message(data(), SENDER))
        assert len(catcher.messages) == 1


@pytest.mark.parametrize("security", [SmtpSecurity.STARTTLS, SmtpSecurity.TLS])
async def test_tls_checks_the_certificate(
    certificate: tuple[Path, Path], security: SmtpSecurity
) -> None:
    context = server_context(certificate)
    if security is SmtpSecurity.TLS:
        options: dict[str, object] = {"implicit_tls_context": context}
    else:
        options = {"starttls_context": context}
    with running_smtp_catcher(**options) as catcher:
        untrusted = channel_for(catcher, security=security)  # the system's trust store
        with pytest.raises(TemporaryDeliveryError):
            await untrusted.send(build_message(data(), SENDER))
        assert catcher.messages == []


async def test_starttls_refused_when_server_lacks_it(catcher: SmtpCatcher) -> None:
    with pytest.raises(TemporaryDeliveryError):
        await channel_for(catcher, security=SmtpSecurity.STARTTLS).send(
            build_message(data(), SENDER)
        )
    assert catcher.messages == []


async def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    with running_smtp_catcher(implicit_tls_context=server_context(certificate)) as catcher:
        channel = channel_for(catcher, security=SmtpSecurity.TLS, tls_context=trusting(certificate))
        await channel.send(build_message(data(), SENDER))
        [caught] = catcher.messages
        assert caught.tls
        assert caught.message["Subject"] == SUBJECT


def test_catcher_listens_on_loopback_only(catcher: SmtpCatcher) -> None:
    assert catcher.host == "127.0.0.1"
    with socket.create_connection((catcher.host, catcher.port), timeout=2) as sock:
        assert sock.recv(100).startswith(b"220 ")


def test_message_without_key_or_recipient_is_refused() -> None:
    with pytest.raises(ValueError, match="message_key"):
        data(message_key=" ")
    with pytest.raises(ValueError, match="recipient"):
        data(to=())
    with pytest.raises(ValueError, match="one line"):
        data(subject="Lasku\r\nBcc: kaikki@example.fi")
    with pytest.raises(ValueError, match="address"):
        data(to=("matti@example.fi\r\nBcc: x@example.fi",))
    assert isinstance(build_message(data(to=("matti@example.fi",)), SENDER), EmailMessage)
