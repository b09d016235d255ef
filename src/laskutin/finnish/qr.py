"""The payment QR code on invoices: EPC069-12 "BCD" as Finance Finland recommends it.

Sources: EPC069-12 (SEPA credit transfer QR code), FFI "QR-koodin käyttö tilisiirtolomakkeella"
(2015; table of contents only), summarised in ../shared/domain/finnish-invoicing.md §3.

Twelve elements separated by LF, nothing after the last element that is used, empty optional
elements in between left as empty lines:

 1 ``BCD``  2 ``001`` (the FI guideline's version; the BIC is mandatory in it)  3 ``1`` (UTF-8)
 4 ``SCT``  5 BIC  6 beneficiary name (≤ 70)  7 IBAN  8 ``EUR`` + amount 0.01–999999999.99
 9 purpose (≤ 4)  10 structured reference (≤ 35)  11 unstructured remittance (≤ 140; never
 together with 10)  12 beneficiary-to-originator information (≤ 70)

The whole payload must fit QR version 13 at error correction level M: 331 bytes.

Decisions (finnish-invoicing.md §3 marks the two conventions as unverified against the FFI text):
- Line 10 takes an RF reference (recommended) or a national reference; both are written compact.
- Line 12 carries the due date as ``ReqdExctnDt/YYYY-MM-DD``, the convention of Finnish
  implementations (e.g. kitupiikki), when a due date is given.
- The beneficiary name is *shortened*, never refused: money is routed by the IBAN, the name only
  reassures the payer, and a long legal name must not stop an invoice. It is cut at a character
  boundary (never inside a UTF-8 sequence, never between a letter and its combining accent) to at
  most 70 characters and to what the 331-byte budget leaves after every exact element.
- The remittance text is *refused* when longer than 140 characters: it often carries the invoice
  number, and cutting it could lose what identifies the payment.
- Line breaks and other control characters in texts become spaces (a line feed would shift every
  later element); runs of spaces collapse into one.

Render the QR from ``EpcQrPayload.data`` (UTF-8 bytes) in byte mode, e.g.
``segno.make(payload.data, error="m", mode="byte", micro=False)``: passing the ``str`` lets segno
pick ISO 8859-1 or Shift JIS, while line 3 promises UTF-8.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from laskutin.core import money
from laskutin.core.errors import RuleViolation
from laskutin.finnish import bank
from laskutin.finnish import reference as refs

SERVICE_TAG = "BCD"
VERSION = "001"
CHARSET_UTF8 = "1"
IDENTIFICATION = "SCT"
MAX_PAYLOAD_BYTES = 331  # QR version 13, error correction M, byte mode
MAX_NAME_CHARS = 70
MAX_REMITTANCE_CHARS = 140
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")
DUE_DATE_PREFIX = "ReqdExctnDt/"

_SPACES = re.compile(r"\s+")
_PURPOSE = re.compile(r"[A-Z]{4}")


# --- errors -------------------------------------------------------------------------------------


class InvalidQrPayload(RuleViolation):
    """The payment QR code could not be made; the subclasses say why."""

    code = "qr-invalid"
    messages = {
        "fi": "Maksun QR-koodia ei voi muodostaa.",
        "sv": "Betalningens QR-kod kan inte skapas.",
        "en": "The payment QR code cannot be made.",
    }


class QrBicRequired(InvalidQrPayload):
    code = "qr-bic-required"
    messages = {
        "fi": "Tilin {iban} BIC-tunnusta ei tunneta: anna se, jotta QR-koodi voidaan tehdä.",
        "sv": "BIC för kontot {iban} är okänd: ange den för att QR-koden ska kunna skapas.",
        "en": "The BIC of account {iban} is not known: give it so the QR code can be made.",
    }


class QrNameMissing(InvalidQrPayload):
    code = "qr-name-missing"
    messages = {
        "fi": "Maksun saajan nimi puuttuu.",
        "sv": "Betalningsmottagarens namn saknas.",
        "en": "The payee's name is missing.",
    }


class QrAmountOutOfRange(InvalidQrPayload):
    code = "qr-amount-out-of-range"
    messages = {
        "fi": "QR-koodin summan pitää olla {min}–{max} euroa, ei {value}.",
        "sv": "Beloppet i QR-koden ska vara {min}–{max} euro, inte {value}.",
        "en": "The QR code amount must be {min}–{max} euros, not {value}.",
    }


class QrReferenceAndMessage(InvalidQrPayload):
    code = "qr-reference-and-message"
    messages = {
        "fi": "QR-koodiin käy viite tai viesti, ei molempia.",
        "sv": "QR-koden tar en referens eller ett meddelande, inte båda.",
        "en": "The QR code takes a reference or a message, not both.",
    }


class QrMessageTooLong(InvalidQrPayload):
    code = "qr-message-too-long"
    messages = {
        "fi": "Viestissä saa olla enintään {max} merkkiä, tässä on {length}.",
        "sv": "Meddelandet får ha högst {max} tecken, detta har {length}.",
        "en": "The message may have at most {max} characters, this one has {length}.",
    }


class QrPurposeInvalid(InvalidQrPayload):
    code = "qr-purpose-invalid"
    messages = {
        "fi": "Maksun tarkoituskoodi {value} ei kelpaa: neljä isoa kirjainta, esim. SUPP.",
        "sv": "Ändamålskoden {value} är ogiltig: fyra versaler, t.ex. SUPP.",
        "en": "Purpose code {value} is not valid: four capital letters, e.g. SUPP.",
    }


class QrPayloadTooLarge(InvalidQrPayload):
    code = "qr-payload-too-large"
    messages = {
        "fi": "QR-koodin tiedot vievät {size} tavua, enintään {max} mahtuu: lyhennä viestiä.",
        "sv": "QR-kodens uppgifter tar {size} byte, högst {max} ryms: korta meddelandet.",
        "en": "The QR code data takes {size} bytes, at most {max} fit: shorten the message.",
    }


# --- payload ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EpcQrPayload:
    """An EPC QR payload: ``text`` to show or test, ``data`` to encode.

    ``name_shortened`` tells that the beneficiary name was cut to fit (see the module notes).
    """

    text: str
    name_shortened: bool = False

    @property
    def data(self) -> bytes:
        """The payload in UTF-8, as line 3 declares: encode these bytes in byte mode."""
        return self.text.encode("utf-8")


def clean_text(value: str) -> str:
    """A text fit for one payload line (Laskutin's rule, module notes; EPC069-12 separates
    elements with line feeds, so none may be inside one).

    NFC; line breaks, tabs and other control characters become spaces; invisible format
    characters (soft hyphen, zero-width joiner, …) are dropped; runs of spaces become one.
    """
    text = unicodedata.normalize("NFC", value)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc":
            kept.append(" ")
        elif not category.startswith("C"):
            kept.append(char)
    return _SPACES.sub(" ", "".join(kept)).strip()


def shorten_text(text: str, *, max_chars: int, max_bytes: int) -> str:
    """``text`` cut to ≤ ``max_chars`` characters and ≤ ``max_bytes`` UTF-8 bytes (EPC069-12
    counts characters; the 331-byte QR budget counts bytes; the cut is Laskutin's rule).

    Cuts at a character boundary and never right before a combining mark (that would strip a
    letter of its accent); trailing spaces are dropped.
    """
    end = min(len(text), max_chars)
    while end > 0 and len(text[:end].encode("utf-8")) > max_bytes:
        end -= 1
    while 0 < end < len(text) and unicodedata.combining(text[end]):
        end -= 1
    return text[:end].rstrip()


def _amount_line(amount: Decimal | int | str | None) -> str:
    if amount is None:
        return ""
    value = money.to_decimal(amount, field="amount", max_places=2, allow_negative=False)
    if not MIN_AMOUNT <= value <= MAX_AMOUNT:
        raise QrAmountOutOfRange(
            field="amount", value=str(amount), min=str(MIN_AMOUNT), max=str(MAX_AMOUNT)
        )
    return money.CURRENCY + money.format_plain(value)


def _bic_line(bic: str | None, iban: str) -> str:
    if bic is not None and bic.strip():
        return bank.normalize_bic(bic, field="bic")
    derived = bank.bic_for_iban(iban)
    if derived is None:
        raise QrBicRequired(field="bic", iban=bank.format_iban(iban))
    return derived


def epc_qr_payload(
    *,
    name: str,
    iban: str,
    bic: str | None = None,
    amount: Decimal | int | str | None = None,
    reference: str | None = None,
    message: str | None = None,
    due_date: date | None = None,
    purpose: str | None = None,
) -> EpcQrPayload:
    """EPC QR payload, version 001, UTF-8 (EPC069-12; FFI QR guideline; §3 of the domain doc).

    ``bic`` may be left out for a Finnish IBAN whose bank schwifty knows. ``amount`` in euros,
    0.01–999 999 999.99, or None to let the payer type it. ``reference`` (RF or national, written
    compact) and ``message`` exclude each other; blank ones count as absent. ``due_date`` goes
    into line 12 as ``ReqdExctnDt/YYYY-MM-DD``. The name is shortened to fit, never refused.
    """
    account = bank.normalize_iban(iban, field="iban")
    bic_line = _bic_line(bic, account)
    reference_line = refs.validate_reference(reference) if reference and reference.strip() else ""
    message_line = clean_text(message) if message else ""
    if reference_line and message_line:
        raise QrReferenceAndMessage(field="message")
    if len(message_line) > MAX_REMITTANCE_CHARS:
        raise QrMessageTooLong(field="message", max=MAX_REMITTANCE_CHARS, length=len(message_line))
    purpose_line = "" if purpose is None else purpose.strip()
    if purpose_line and not _PURPOSE.fullmatch(purpose_line):
        raise QrPurposeInvalid(field="purpose", value=purpose)
    full_name = clean_text(name)
    if not full_name:
        raise QrNameMissing(field="name")

    lines = [
        SERVICE_TAG,
        VERSION,
        CHARSET_UTF8,
        IDENTIFICATION,
        bic_line,
        "",  # the name, placed once the byte budget is known
        account,
        _amount_line(amount),
        purpose_line,
        reference_line,
        message_line,
        "" if due_date is None else DUE_DATE_PREFIX + due_date.isoformat(),
    ]
    while not lines[-1]:
        lines.pop()  # nothing after the last element used; the IBAN (line 7) is never empty
    budget = MAX_PAYLOAD_BYTES - len("\n".join(lines).encode("utf-8"))
    short_name = shorten_text(full_name, max_chars=MAX_NAME_CHARS, max_bytes=budget)
    if not short_name:
        size = len("\n".join(lines).encode("utf-8")) + len(full_name.encode("utf-8"))
        raise QrPayloadTooLarge(field="message", size=size, max=MAX_PAYLOAD_BYTES)
    lines[5] = short_name
    text = "\n".join(lines)
    assert len(text.encode("utf-8")) <= MAX_PAYLOAD_BYTES
    return EpcQrPayload(text=text, name_shortened=short_name != full_name)
