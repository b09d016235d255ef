"""Delivery channels: how a finished message leaves Laskutin (e-mail now; e-invoice operators
later). Channels take plain data, never ORM objects, and say by the exception they raise whether
a failed send may be retried."""

from laskutin.delivery.email import (
    Attachment,
    DeliveryError,
    EmailChannel,
    EmailMessageData,
    PermanentDeliveryError,
    SmtpChannel,
    TemporaryDeliveryError,
    build_message,
    message_id_for,
)

__all__ = [
    "Attachment",
    "DeliveryError",
    "EmailChannel",
    "EmailMessageData",
    "PermanentDeliveryError",
    "SmtpChannel",
    "TemporaryDeliveryError",
    "build_message",
    "message_id_for",
]
