"""The invitation mail's text in Finnish, Swedish and English. Pure: no I/O; the job in
laskutin.invitations.tasks sends it."""

from __future__ import annotations

from laskutin.auth.mails import MailText, link
from laskutin.companies.domain import Role
from laskutin.core.i18n import Language

# The web app's page that accepts an invitation (a hash route, like the account mails' links).
ACCEPT_ROUTE = "/#/invitation"

_ROLES: dict[Language, dict[Role, str]] = {
    "fi": {
        Role.OWNER: "omistaja",
        Role.ADMIN: "ylläpitäjä",
        Role.MEMBER: "käyttäjä",
        Role.ACCOUNTANT: "kirjanpitäjä",
    },
    "sv": {
        Role.OWNER: "ägare",
        Role.ADMIN: "administratör",
        Role.MEMBER: "användare",
        Role.ACCOUNTANT: "bokförare",
    },
    "en": {
        Role.OWNER: "owner",
        Role.ADMIN: "administrator",
        Role.MEMBER: "member",
        Role.ACCOUNTANT: "accountant",
    },
}

_TEXTS: dict[Language, tuple[str, str]] = {
    "fi": (
        "Kutsu yritykseen {company} – Laskutin",
        "Hei,\n\n{inviter} kutsui sinut Laskutin-palveluun yrityksen {company} käyttäjäksi "
        "(rooli: {role}).\n\nHyväksy kutsu avaamalla tämä linkki:\n\n{link}\n\n"
        "Linkki on voimassa 7 päivää ja toimii kerran. Jos et odottanut kutsua, voit jättää "
        "tämän viestin huomiotta.\n",
    ),
    "sv": (
        "Inbjudan till {company} – Laskutin",
        "Hej,\n\n{inviter} har bjudit in dig till företaget {company} i Laskutin "
        "(roll: {role}).\n\nGodkänn inbjudan genom att öppna länken:\n\n{link}\n\n"
        "Länken gäller i 7 dagar och fungerar en gång. Om du inte väntade dig inbjudan kan du "
        "strunta i det här meddelandet.\n",
    ),
    "en": (
        "Invitation to {company} – Laskutin",
        "Hello,\n\n{inviter} has invited you to {company} on Laskutin (role: {role}).\n\n"
        "Accept the invitation by opening this link:\n\n{link}\n\n"
        "The link works once, for 7 days. If you did not expect an invitation, you can ignore "
        "this message.\n",
    ),
}


def invitation_mail(
    language: Language,
    *,
    company: str,
    inviter: str | None,
    role: Role,
    public_url: str,
    token: str,
) -> MailText:
    subject, template = _TEXTS[language]
    someone = {"fi": "Laskutin-käyttäjä", "sv": "En Laskutin-användare", "en": "A Laskutin user"}
    values = {
        "company": company,
        "inviter": inviter or someone[language],
        "role": _ROLES[language][role],
        "link": link(public_url, ACCEPT_ROUTE, token),
    }
    return MailText(subject=subject.format(**values), text=template.format(**values))
