"""Texts of the account mails (verification, password reset, "someone tried to sign up"), in
Finnish, Swedish and English. Pure: no I/O; the job in laskutin.auth.tasks sends them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from laskutin.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, Language

MailKind = Literal["verify_email", "reset_password", "signup_attempt"]

# The web app's routes that take a token (hash routes: the static front end needs no server
# route, and the token stays out of server and proxy logs).
VERIFY_ROUTE = "/#/verify-email"
RESET_ROUTE = "/#/reset-password"
SIGN_IN_ROUTE = "/#/login"
FORGOT_ROUTE = "/#/forgot-password"


@dataclass(frozen=True)
class MailText:
    subject: str
    text: str


def language_of(value: str | None) -> Language:
    for language in LANGUAGES:
        if value == language:
            return language
    return DEFAULT_LANGUAGE


def link(public_url: str, route: str, token: str | None = None) -> str:
    base = public_url.rstrip("/") + route
    return f"{base}?token={quote(token, safe='')}" if token is not None else base


_TEXTS: dict[MailKind, dict[Language, tuple[str, str]]] = {
    "verify_email": {
        "fi": (
            "Vahvista sähköpostiosoitteesi – Laskutin",
            "Hei {name},\n\nvahvista sähköpostiosoitteesi avaamalla tämä linkki:\n\n{link}\n\n"
            "Linkki on voimassa 7 päivää ja toimii kerran. Jos et luonut Laskutin-tiliä, "
            "voit jättää tämän viestin huomiotta.\n",
        ),
        "sv": (
            "Bekräfta din e-postadress – Laskutin",
            "Hej {name},\n\nbekräfta din e-postadress genom att öppna länken:\n\n{link}\n\n"
            "Länken gäller i 7 dagar och fungerar en gång. Om du inte skapade ett "
            "Laskutin-konto kan du strunta i det här meddelandet.\n",
        ),
        "en": (
            "Verify your e-mail address – Laskutin",
            "Hello {name},\n\nverify your e-mail address by opening this link:\n\n{link}\n\n"
            "The link works once, for 7 days. If you did not create a Laskutin account, you "
            "can ignore this message.\n",
        ),
    },
    "reset_password": {
        "fi": (
            "Salasanan vaihto – Laskutin",
            "Hei {name},\n\nvaihda salasanasi avaamalla tämä linkki:\n\n{link}\n\n"
            "Linkki on voimassa tunnin ja toimii kerran. Jos et pyytänyt salasanan vaihtoa, "
            "voit jättää tämän viestin huomiotta: salasanasi pysyy ennallaan.\n",
        ),
        "sv": (
            "Byte av lösenord – Laskutin",
            "Hej {name},\n\nbyt ditt lösenord genom att öppna länken:\n\n{link}\n\n"
            "Länken gäller i en timme och fungerar en gång. Om du inte bad om att byta "
            "lösenord kan du strunta i det här meddelandet: ditt lösenord förblir detsamma.\n",
        ),
        "en": (
            "Reset your password – Laskutin",
            "Hello {name},\n\nchoose a new password by opening this link:\n\n{link}\n\n"
            "The link works once, for one hour. If you did not ask for a new password, you "
            "can ignore this message: your password stays as it is.\n",
        ),
    },
    "signup_attempt": {
        "fi": (
            "Joku yritti luoda tilin osoitteellasi – Laskutin",
            "Hei {name},\n\njoku (ehkä sinä) yritti luoda Laskutin-tilin tällä "
            "sähköpostiosoitteella, mutta osoitteella on jo tili. Uutta tiliä ei luotu.\n\n"
            "Kirjaudu sisään: {sign_in}\nUnohtuiko salasana? Vaihda se: {forgot}\n",
        ),
        "sv": (
            "Någon försökte skapa ett konto med din adress – Laskutin",
            "Hej {name},\n\nnågon (kanske du) försökte skapa ett Laskutin-konto med den här "
            "e-postadressen, men adressen har redan ett konto. Inget nytt konto skapades.\n\n"
            "Logga in: {sign_in}\nGlömt lösenordet? Byt det: {forgot}\n",
        ),
        "en": (
            "Someone tried to sign up with your address – Laskutin",
            "Hello {name},\n\nsomeone (perhaps you) tried to create a Laskutin account with "
            "this e-mail address, but it already has an account. No new account was "
            "created.\n\nSign in: {sign_in}\nForgot your password? Reset it: {forgot}\n",
        ),
    },
}


def account_mail(
    kind: MailKind, language: Language, *, name: str, public_url: str, token: str | None = None
) -> MailText:
    """The subject and text of an account mail; ``token`` for verification and reset."""
    subject, template = _TEXTS[kind][language]
    route = VERIFY_ROUTE if kind == "verify_email" else RESET_ROUTE
    text = template.format(
        name=name,
        link=link(public_url, route, token) if token is not None else "",
        sign_in=link(public_url, SIGN_IN_ROUTE),
        forgot=link(public_url, FORGOT_ROUTE),
    )
    return MailText(subject=subject, text=text)
