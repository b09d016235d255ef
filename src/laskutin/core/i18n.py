"""Languages of the service (Finnish by default, Swedish, English) and API error messages.

The API's messages are few and short, so they live here as a table that a test checks for
completeness in all three languages; the user interface and documents use gettext catalogs.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Literal, cast

from babel.core import negotiate_locale

Language = Literal["fi", "sv", "en"]
LANGUAGES: tuple[Language, ...] = ("fi", "sv", "en")
DEFAULT_LANGUAGE: Language = "fi"


def negotiate_language(accept_language: str | None) -> Language:
    """Pick fi, sv or en from an Accept-Language header (RFC 9110 weights), Finnish by default."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate(accept_language.split(",")):
        tag, *params = item.split(";")
        tag = tag.strip()
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = min(float(value.strip()), 1.0)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            weighted.append((-weight, index, tag.strip().replace("-", "_")))
    preferred = [tag for _, _, tag in sorted(weighted)]
    # Babel matches "sv_FI" to "sv" and "fi" to "fi_FI"; plain prefixes cover the rest.
    chosen = negotiate_locale(preferred, list(LANGUAGES), sep="_")
    if chosen is None:
        for tag in preferred:
            prefix = tag.split("_")[0].lower()
            if prefix in LANGUAGES:
                return prefix
        return DEFAULT_LANGUAGE
    return cast(Language, chosen.split("_")[0].lower())


MESSAGES: Mapping[str, Mapping[Language, str]] = {
    # problem titles and details
    "not-found": {
        "fi": "Ei löytynyt",
        "sv": "Hittades inte",
        "en": "Not found",
    },
    "not-found.detail": {
        "fi": "Pyydettyä kohdetta ei ole olemassa.",
        "sv": "Det begärda objektet finns inte.",
        "en": "The requested resource does not exist.",
    },
    "method-not-allowed": {
        "fi": "Menetelmä ei ole sallittu",
        "sv": "Metoden är inte tillåten",
        "en": "Method not allowed",
    },
    "method-not-allowed.detail": {
        "fi": "Tämä osoite ei tue menetelmää {method}. Sallitut: {allowed}.",
        "sv": "Den här adressen stöder inte metoden {method}. Tillåtna: {allowed}.",
        "en": "This address does not support {method}. Allowed: {allowed}.",
    },
    "validation-error": {
        "fi": "Virheelliset tiedot",
        "sv": "Ogiltiga uppgifter",
        "en": "Invalid input",
    },
    "validation-error.detail": {
        "fi": "Pyynnössä on {count} virheellistä kenttää.",
        "sv": "Begäran innehåller {count} ogiltiga fält.",
        "en": "The request has {count} invalid field(s).",
    },
    "conflict": {
        "fi": "Ristiriita",
        "sv": "Konflikt",
        "en": "Conflict",
    },
    "conflict.detail": {
        "fi": "Pyyntö on ristiriidassa kohteen nykyisen tilan kanssa.",
        "sv": "Begäran står i konflikt med objektets nuvarande tillstånd.",
        "en": "The request conflicts with the current state of the resource.",
    },
    # conditional requests and idempotency (laskutin.api.etag, laskutin.api.idempotency)
    "precondition-failed": {
        "fi": "Kohde on muuttunut",
        "sv": "Objektet har ändrats",
        "en": "The resource has changed",
    },
    "precondition-failed.detail": {
        "fi": "Kohdetta on muutettu sen jälkeen, kun luit sen (If-Match ei täsmää). Lataa se "
        "uudelleen ja yritä sitten uudestaan.",
        "sv": "Objektet har ändrats sedan du läste det (If-Match stämmer inte). Läs in det på "
        "nytt och försök sedan igen.",
        "en": "The resource has changed since you read it (If-Match does not match). Reload it "
        "and try again.",
    },
    "idempotency-key-in-use": {
        "fi": "Idempotency-Key on käytössä",
        "sv": "Idempotency-Key används redan",
        "en": "Idempotency-Key in use",
    },
    "idempotency-key-in-use.detail": {
        "fi": "Toinen pyyntö samalla Idempotency-Key-avaimella on kesken. Yritä hetken kuluttua "
        "uudelleen.",
        "sv": "En annan begäran med samma Idempotency-Key pågår. Försök igen om en stund.",
        "en": "Another request with the same Idempotency-Key is in progress. Try again shortly.",
    },
    "forbidden": {
        "fi": "Ei oikeutta",
        "sv": "Ingen behörighet",
        "en": "Forbidden",
    },
    "forbidden.detail": {
        "fi": "Sinulla ei ole oikeutta tähän toimintoon.",
        "sv": "Du har inte behörighet till den här åtgärden.",
        "en": "You are not allowed to do this.",
    },
    "http-error": {
        "fi": "Pyyntöä ei voitu käsitellä",
        "sv": "Begäran kunde inte behandlas",
        "en": "The request could not be processed",
    },
    "http-error.detail": {
        "fi": "Pyyntöä ei voitu käsitellä (HTTP {status}).",
        "sv": "Begäran kunde inte behandlas (HTTP {status}).",
        "en": "The request could not be processed (HTTP {status}).",
    },
    "internal-error": {
        "fi": "Sisäinen virhe",
        "sv": "Internt fel",
        "en": "Internal error",
    },
    "internal-error.detail": {
        "fi": "Odottamaton virhe. Yritä uudelleen; jos virhe toistuu, kerro tukeen "
        "pyynnön tunniste {request_id}.",
        "sv": "Ett oväntat fel inträffade. Försök igen; om felet kvarstår, uppge "
        "begärans id {request_id} för supporten.",
        "en": "An unexpected error occurred. Try again; if it persists, give support "
        "the request id {request_id}.",
    },
    "service-unavailable": {
        "fi": "Palvelu ei ole käytettävissä",
        "sv": "Tjänsten är inte tillgänglig",
        "en": "Service unavailable",
    },
    "service-unavailable.detail": {
        "fi": "Palvelu ei juuri nyt ole käytettävissä. Yritä hetken kuluttua uudelleen.",
        "sv": "Tjänsten är inte tillgänglig just nu. Försök igen om en stund.",
        "en": "The service is unavailable right now. Try again in a moment.",
    },
    "database-unavailable": {
        "fi": "Tietokanta ei ole käytettävissä",
        "sv": "Databasen är inte tillgänglig",
        "en": "Database unavailable",
    },
    "database-unavailable.detail": {
        "fi": "Tietokantaan ei saada yhteyttä. Yritä hetken kuluttua uudelleen.",
        "sv": "Det går inte att nå databasen. Försök igen om en stund.",
        "en": "The database cannot be reached. Try again in a moment.",
    },
    "schema-outdated": {
        "fi": "Tietokannan rakenne on vanhentunut",
        "sv": "Databasens struktur är föråldrad",
        "en": "Database schema out of date",
    },
    "schema-outdated.detail": {
        "fi": "Tietokannasta puuttuu migraatio {revision}. Aja `laskutin migrate upgrade`.",
        "sv": "Databasen saknar migreringen {revision}. Kör `laskutin migrate upgrade`.",
        "en": "The database lacks migration {revision}. Run `laskutin migrate upgrade`.",
    },
    "shutting-down": {
        "fi": "Palvelu sammuu",
        "sv": "Tjänsten stängs av",
        "en": "Shutting down",
    },
    "shutting-down.detail": {
        "fi": "Tämä palvelinprosessi on sammumassa; muut prosessit palvelevat.",
        "sv": "Den här serverprocessen stängs av; andra processer tar över.",
        "en": "This server process is shutting down; other processes take over.",
    },
    "request-too-large": {
        "fi": "Pyyntö on liian suuri",
        "sv": "Begäran är för stor",
        "en": "Request too large",
    },
    # authentication (laskutin.auth.tokens)
    "unauthenticated": {
        "fi": "Tunnistautuminen vaaditaan",
        "sv": "Autentisering krävs",
        "en": "Authentication required",
    },
    "unauthenticated.detail": {
        "fi": "Pyyntö vaatii voimassa olevan pääsytunnisteen (Authorization: Bearer).",
        "sv": "Begäran kräver en giltig åtkomsttoken (Authorization: Bearer).",
        "en": "The request needs a valid access token (Authorization: Bearer).",
    },
    "invalid-token": {
        "fi": "Virheellinen pääsytunniste",
        "sv": "Ogiltig åtkomsttoken",
        "en": "Invalid access token",
    },
    "invalid-token.detail": {
        "fi": "Pääsytunniste ei kelpaa. Kirjaudu uudelleen.",
        "sv": "Åtkomsttoken är ogiltig. Logga in igen.",
        "en": "The access token is not valid. Sign in again.",
    },
    "token-expired": {
        "fi": "Pääsytunniste on vanhentunut",
        "sv": "Åtkomsttoken har gått ut",
        "en": "Access token expired",
    },
    "token-expired.detail": {
        "fi": "Pääsytunniste on vanhentunut. Hae uusi uusintatunnisteella tai kirjaudu uudelleen.",
        "sv": "Åtkomsttoken har gått ut. Hämta en ny med uppdateringstoken eller logga in igen.",
        "en": "The access token has expired. Get a new one with the refresh token, "
        "or sign in again.",
    },
    "invalid-refresh-token": {
        "fi": "Virheellinen uusintatunniste",
        "sv": "Ogiltig uppdateringstoken",
        "en": "Invalid refresh token",
    },
    "invalid-refresh-token.detail": {
        "fi": "Uusintatunniste ei kelpaa. Kirjaudu uudelleen.",
        "sv": "Uppdateringstoken är ogiltig. Logga in igen.",
        "en": "The refresh token is not valid. Sign in again.",
    },
    "refresh-token-expired": {
        "fi": "Istunto on vanhentunut",
        "sv": "Sessionen har gått ut",
        "en": "Session expired",
    },
    "refresh-token-expired.detail": {
        "fi": "Istunto on vanhentunut. Kirjaudu uudelleen.",
        "sv": "Sessionen har gått ut. Logga in igen.",
        "en": "The session has expired. Sign in again.",
    },
    "refresh-token-revoked": {
        "fi": "Istunto on päättynyt",
        "sv": "Sessionen har avslutats",
        "en": "Session ended",
    },
    "refresh-token-revoked.detail": {
        "fi": "Istunto on päätetty. Kirjaudu uudelleen.",
        "sv": "Sessionen har avslutats. Logga in igen.",
        "en": "The session has ended. Sign in again.",
    },
    "refresh-token-reused": {
        "fi": "Istunto suljettiin turvallisuussyistä",
        "sv": "Sessionen stängdes av säkerhetsskäl",
        "en": "Session closed for safety",
    },
    "refresh-token-reused.detail": {
        "fi": "Uusintatunniste oli jo käytetty, joten istunto suljettiin varmuuden vuoksi. "
        "Kirjaudu uudelleen.",
        "sv": "Uppdateringstoken hade redan använts, så sessionen stängdes för säkerhets skull. "
        "Logga in igen.",
        "en": "The refresh token had already been used, so the session was closed to be safe. "
        "Sign in again.",
    },
    "not-a-member": {
        "fi": "Ei jäsenyyttä",
        "sv": "Inget medlemskap",
        "en": "Not a member",
    },
    "not-a-member.detail": {
        "fi": "Et ole (enää) tämän yrityksen jäsen.",
        "sv": "Du är inte (längre) medlem i det här företaget.",
        "en": "You are not (or no longer) a member of this company.",
    },
    # sign-in (laskutin.auth.service)
    "invalid-credentials": {
        "fi": "Kirjautuminen epäonnistui",
        "sv": "Inloggningen misslyckades",
        "en": "Sign-in failed",
    },
    "invalid-credentials.detail": {
        "fi": "Sähköpostiosoite tai salasana on väärin.",
        "sv": "E-postadressen eller lösenordet är fel.",
        "en": "The e-mail address or the password is wrong.",
    },
    "account-locked": {
        "fi": "Kirjautuminen on hetken lukittu",
        "sv": "Inloggningen är låst en stund",
        "en": "Sign-in locked for a while",
    },
    "account-locked.detail": {
        "fi": "Liian monta epäonnistunutta kirjautumista. Yritä uudelleen {retry_after} "
        "sekunnin kuluttua.",
        "sv": "För många misslyckade inloggningar. Försök igen om {retry_after} sekunder.",
        "en": "Too many failed sign-ins. Try again in {retry_after} seconds.",
    },
    "too-many-sign-in-attempts": {
        "fi": "Liian monta kirjautumisyritystä",
        "sv": "För många inloggningsförsök",
        "en": "Too many sign-in attempts",
    },
    "too-many-sign-in-attempts.detail": {
        "fi": "Tästä osoitteesta on tullut liian monta epäonnistunutta kirjautumista. Yritä "
        "uudelleen {retry_after} sekunnin kuluttua.",
        "sv": "För många misslyckade inloggningar från den här adressen. Försök igen om "
        "{retry_after} sekunder.",
        "en": "Too many failed sign-ins from this address. Try again in {retry_after} seconds.",
    },
    # rate limits of account mails and password guesses (laskutin.auth.limits)
    "too-many-signups": {
        "fi": "Liian monta rekisteröitymistä",
        "sv": "För många registreringar",
        "en": "Too many sign-ups",
    },
    "too-many-signups.detail": {
        "fi": "Tästä osoitteesta on rekisteröidytty liian monta kertaa. Yritä uudelleen "
        "{retry_after} sekunnin kuluttua.",
        "sv": "För många registreringar från den här adressen. Försök igen om {retry_after} "
        "sekunder.",
        "en": "Too many sign-ups from this address. Try again in {retry_after} seconds.",
    },
    "too-many-password-resets": {
        "fi": "Liian monta salasanan palautuspyyntöä",
        "sv": "För många begäranden om återställning av lösenord",
        "en": "Too many password reset requests",
    },
    "too-many-password-resets.detail": {
        "fi": "Tästä osoitteesta on pyydetty salasanan palautusta liian monta kertaa. Yritä "
        "uudelleen {retry_after} sekunnin kuluttua.",
        "sv": "För många begäranden om återställning av lösenord från den här adressen. "
        "Försök igen om {retry_after} sekunder.",
        "en": "Too many password reset requests from this address. Try again in "
        "{retry_after} seconds.",
    },
    "too-many-verification-mails": {
        "fi": "Vahvistusviestiä pyydetty liian monta kertaa",
        "sv": "Bekräftelsemeddelandet har begärts för många gånger",
        "en": "Verification mail asked for too often",
    },
    "too-many-verification-mails.detail": {
        "fi": "Vahvistusviesti on lähetetty jo useita kertoja. Tarkista myös roskapostikansio, "
        "tai yritä uudelleen {retry_after} sekunnin kuluttua.",
        "sv": "Bekräftelsemeddelandet har redan skickats flera gånger. Kontrollera även "
        "skräppostmappen, eller försök igen om {retry_after} sekunder.",
        "en": "The verification mail has been sent several times already. Check your spam "
        "folder too, or try again in {retry_after} seconds.",
    },
    "too-many-password-guesses": {
        "fi": "Liian monta väärää salasanaa",
        "sv": "För många felaktiga lösenord",
        "en": "Too many wrong passwords",
    },
    "too-many-password-guesses.detail": {
        "fi": "Nykyinen salasana on annettu väärin liian monta kertaa. Yritä uudelleen "
        "{retry_after} sekunnin kuluttua.",
        "sv": "Det nuvarande lösenordet har angetts fel för många gånger. Försök igen om "
        "{retry_after} sekunder.",
        "en": "The current password was wrong too many times. Try again in {retry_after} seconds.",
    },
    # one-time e-mail links and the verified-address guard (laskutin.auth.service)
    "email-token-invalid": {
        "fi": "Linkki ei kelpaa",
        "sv": "Länken är ogiltig",
        "en": "Invalid link",
    },
    "email-token-invalid.detail": {
        "fi": "Linkki on virheellinen. Tarkista, että kopioit sen kokonaan, tai pyydä uusi.",
        "sv": "Länken är felaktig. Kontrollera att du kopierade hela länken, eller be om en ny.",
        "en": "The link is not valid. Check that you copied all of it, or ask for a new one.",
    },
    "email-token-expired": {
        "fi": "Linkki on vanhentunut",
        "sv": "Länken har gått ut",
        "en": "Link expired",
    },
    "email-token-expired.detail": {
        "fi": "Linkin voimassaolo on päättynyt. Pyydä uusi linkki.",
        "sv": "Länken gäller inte längre. Be om en ny länk.",
        "en": "The link is no longer valid. Ask for a new one.",
    },
    "email-token-used": {
        "fi": "Linkki on jo käytetty",
        "sv": "Länken har redan använts",
        "en": "Link already used",
    },
    "email-token-used.detail": {
        "fi": "Linkin voi käyttää vain kerran. Pyydä tarvittaessa uusi linkki.",
        "sv": "Länken kan användas bara en gång. Be om en ny länk vid behov.",
        "en": "The link works only once. Ask for a new one if you need to.",
    },
    # CSV imports (laskutin.imports.service)
    "import-not-ready": {
        "fi": "Tuontia ei voi ajaa",
        "sv": "Importen kan inte köras",
        "en": "The import cannot run",
    },
    "import-not-ready.detail": {
        "fi": "Vain tarkistetun tiedoston, jossa ei ole virheitä, voi tuoda, ja vain kerran "
        "(tila nyt: {state}).",
        "sv": "Endast en kontrollerad fil utan fel kan importeras, och bara en gång "
        "(status nu: {state}).",
        "en": "Only a checked file without errors can be imported, and only once "
        "(state now: {state}).",
    },
    # API keys (laskutin.apikeys.service)
    "pro-plan-required": {
        "fi": "Vaatii Pro-paketin",
        "sv": "Kräver Pro-paketet",
        "en": "Pro plan required",
    },
    "pro-plan-required.detail": {
        "fi": "API-avaimet kuuluvat Pro-pakettiin.",
        "sv": "API-nycklar ingår i Pro-paketet.",
        "en": "API keys come with the Pro plan.",
    },
    "api-key-revoked": {
        "fi": "Avain on jo peruttu",
        "sv": "Nyckeln är redan återkallad",
        "en": "Key already revoked",
    },
    "api-key-revoked.detail": {
        "fi": "Peruttu avain ei toimi enää. Luo tarvittaessa uusi.",
        "sv": "En återkallad nyckel fungerar inte längre. Skapa vid behov en ny.",
        "en": "A revoked key no longer works. Make a new one if needed.",
    },
    "too-many-api-key-requests": {
        "fi": "Liian monta pyyntöä",
        "sv": "För många förfrågningar",
        "en": "Too many requests",
    },
    "too-many-api-key-requests.detail": {
        "fi": "Avaimella on tehty minuutin aikana liian monta pyyntöä. Yritä uudelleen "
        "{retry_after} sekunnin kuluttua.",
        "sv": "Nyckeln har gjort för många förfrågningar på en minut. Försök igen om "
        "{retry_after} sekunder.",
        "en": "The key made too many requests within a minute. Try again in {retry_after} seconds.",
    },
    "not-with-api-key": {
        "fi": "Ei API-avaimella",
        "sv": "Inte med API-nyckel",
        "en": "Not with an API key",
    },
    "not-with-api-key.detail": {
        "fi": "Käyttäjän omat tiedot ja asetukset vaativat kirjautumisen, eivät API-avainta.",
        "sv": "Användarens egna uppgifter och inställningar kräver inloggning, inte en API-nyckel.",
        "en": "A user's own details and settings need a sign-in, not an API key.",
    },
    # two-factor sign-in (laskutin.auth.two_factor)
    "two-factor-enabled": {
        "fi": "Kaksivaiheinen tunnistautuminen on jo käytössä",
        "sv": "Tvåstegsverifiering är redan på",
        "en": "Two-factor sign-in is already on",
    },
    "two-factor-enabled.detail": {
        "fi": "Poista se ensin käytöstä, jos haluat ottaa uuden sovelluksen käyttöön.",
        "sv": "Stäng av den först om du vill ta en ny app i bruk.",
        "en": "Turn it off first to set up a new app.",
    },
    "two-factor-not-set-up": {
        "fi": "Kaksivaiheista tunnistautumista ei ole otettu käyttöön",
        "sv": "Tvåstegsverifiering är inte konfigurerad",
        "en": "Two-factor sign-in is not set up",
    },
    "two-factor-not-set-up.detail": {
        "fi": "Aloita käyttöönotto ensin.",
        "sv": "Börja med att konfigurera den.",
        "en": "Start the set-up first.",
    },
    "two-factor-challenge-invalid": {
        "fi": "Kirjautuminen vanheni",
        "sv": "Inloggningen gick ut",
        "en": "Sign-in expired",
    },
    "two-factor-challenge-invalid.detail": {
        "fi": "Kirjaudu uudelleen sähköpostilla ja salasanalla.",
        "sv": "Logga in igen med e-post och lösenord.",
        "en": "Sign in again with your e-mail and password.",
    },
    "too-many-two-factor-guesses": {
        "fi": "Liian monta väärää koodia",
        "sv": "För många felaktiga koder",
        "en": "Too many wrong codes",
    },
    "too-many-two-factor-guesses.detail": {
        "fi": "Koodi on annettu väärin liian monta kertaa. Yritä uudelleen {retry_after} "
        "sekunnin kuluttua.",
        "sv": "Koden har angetts fel för många gånger. Försök igen om {retry_after} sekunder.",
        "en": "The code was wrong too many times. Try again in {retry_after} seconds.",
    },
    "two-factor-required": {
        "fi": "Kaksivaiheinen tunnistautuminen vaaditaan",
        "sv": "Tvåstegsverifiering krävs",
        "en": "Two-factor sign-in required",
    },
    "two-factor-required.detail": {
        "fi": "Yritys vaatii kaksivaiheisen tunnistautumisen. Ota se käyttöön asetuksista.",
        "sv": "Företaget kräver tvåstegsverifiering. Slå på den i inställningarna.",
        "en": "The company requires two-factor sign-in. Turn it on in your settings.",
    },
    # invitations (laskutin.invitations.service)
    "invitation-invalid": {
        "fi": "Kutsulinkki ei kelpaa",
        "sv": "Inbjudningslänken är ogiltig",
        "en": "Invalid invitation link",
    },
    "invitation-invalid.detail": {
        "fi": "Kutsulinkki on virheellinen. Tarkista, että kopioit sen kokonaan, tai pyydä uusi "
        "kutsu.",
        "sv": "Inbjudningslänken är felaktig. Kontrollera att du kopierade hela länken, eller be "
        "om en ny inbjudan.",
        "en": "The invitation link is not valid. Check that you copied all of it, or ask for a "
        "new invitation.",
    },
    "invitation-expired": {
        "fi": "Kutsu on vanhentunut",
        "sv": "Inbjudan har gått ut",
        "en": "Invitation expired",
    },
    "invitation-expired.detail": {
        "fi": "Kutsun voimassaolo on päättynyt. Pyydä kutsujaa lähettämään uusi.",
        "sv": "Inbjudan gäller inte längre. Be den som bjöd in dig att skicka en ny.",
        "en": "The invitation is no longer valid. Ask whoever invited you to send a new one.",
    },
    "invitation-used": {
        "fi": "Kutsu on jo hyväksytty",
        "sv": "Inbjudan har redan godkänts",
        "en": "Invitation already accepted",
    },
    "invitation-used.detail": {
        "fi": "Kutsun voi hyväksyä vain kerran. Kirjaudu sisään.",
        "sv": "En inbjudan kan godkännas bara en gång. Logga in.",
        "en": "An invitation can be accepted once. Sign in.",
    },
    "invitation-revoked": {
        "fi": "Kutsu on peruttu",
        "sv": "Inbjudan har återkallats",
        "en": "Invitation revoked",
    },
    "invitation-revoked.detail": {
        "fi": "Kutsuja on perunut kutsun.",
        "sv": "Den som bjöd in dig har återkallat inbjudan.",
        "en": "Whoever invited you has revoked the invitation.",
    },
    "invitation-closed": {
        "fi": "Kutsu on jo hyväksytty tai peruttu",
        "sv": "Inbjudan har redan godkänts eller återkallats",
        "en": "Invitation already accepted or revoked",
    },
    "invitation-closed.detail": {
        "fi": "Hyväksyttyä tai peruttua kutsua ei voi muuttaa. Lähetä tarvittaessa uusi kutsu.",
        "sv": "En godkänd eller återkallad inbjudan kan inte ändras. Skicka vid behov en ny.",
        "en": "An accepted or revoked invitation cannot change. Send a new one if needed.",
    },
    "invitation-other-address": {
        "fi": "Kutsu on toiselle osoitteelle",
        "sv": "Inbjudan gäller en annan adress",
        "en": "Invitation for another address",
    },
    "invitation-other-address.detail": {
        "fi": "Olet kirjautunut eri sähköpostiosoitteella kuin johon kutsu lähetettiin. Kirjaudu "
        "ulos ja hyväksy kutsu kutsutulla osoitteella.",
        "sv": "Du är inloggad med en annan e-postadress än den inbjudan skickades till. Logga ut "
        "och godkänn inbjudan med den inbjudna adressen.",
        "en": "You are signed in with another address than the one invited. Sign out and accept "
        "the invitation with the invited address.",
    },
    "invitation-sign-in": {
        "fi": "Kirjaudu sisään hyväksyäksesi",
        "sv": "Logga in för att godkänna",
        "en": "Sign in to accept",
    },
    "invitation-sign-in.detail": {
        "fi": "Osoitteella on jo tili. Kirjaudu sisään ja hyväksy kutsu sen jälkeen.",
        "sv": "Adressen har redan ett konto. Logga in och godkänn sedan inbjudan.",
        "en": "This address already has an account. Sign in, then accept the invitation.",
    },
    "too-many-invitations": {
        "fi": "Liian monta kutsua",
        "sv": "För många inbjudningar",
        "en": "Too many invitations",
    },
    "too-many-invitations.detail": {
        "fi": "Yritys on lähettänyt tänään liian monta kutsua. Yritä uudelleen {retry_after} "
        "sekunnin kuluttua.",
        "sv": "Företaget har skickat för många inbjudningar i dag. Försök igen om {retry_after} "
        "sekunder.",
        "en": "The company has sent too many invitations today. Try again in {retry_after} "
        "seconds.",
    },
    # recurring invoices (laskutin.recurring.service)
    "recurring-schedule-fixed": {
        "fi": "Aikataulua ei voi enää muuttaa",
        "sv": "Schemat kan inte längre ändras",
        "en": "The schedule can no longer change",
    },
    "recurring-schedule-fixed.detail": {
        "fi": "Toistuvasta laskusta on jo tehty laskuja, joten vain päättymispäivää ja laskujen "
        "määrää voi muuttaa. Tee uusi toistuva lasku toisella aikataululla.",
        "sv": "Fakturor har redan gjorts av den återkommande fakturan, så bara slutdatumet och "
        "antalet fakturor kan ändras. Gör en ny återkommande faktura med ett annat schema.",
        "en": "Invoices were already made from this recurring invoice, so only the end date and "
        "the number of invoices can change. Make a new recurring invoice with another schedule.",
    },
    # sign-in with OpenID Connect (laskutin.oidc)
    "oidc-provider-unknown": {
        "fi": "Tuntematon kirjautumispalvelu",
        "sv": "Okänd inloggningstjänst",
        "en": "Unknown sign-in provider",
    },
    "oidc-provider-unknown.detail": {
        "fi": "Tällä nimellä ei ole määritetty kirjautumispalvelua.",
        "sv": "Ingen inloggningstjänst med det namnet är konfigurerad.",
        "en": "No sign-in provider with that name is configured.",
    },
    "oidc-provider-unavailable": {
        "fi": "Kirjautumispalvelu ei vastaa",
        "sv": "Inloggningstjänsten svarar inte",
        "en": "The sign-in provider does not answer",
    },
    "oidc-provider-unavailable.detail": {
        "fi": "Ulkoiseen kirjautumispalveluun ei saatu yhteyttä. Yritä hetken kuluttua uudelleen "
        "tai kirjaudu salasanalla.",
        "sv": "Det gick inte att nå den externa inloggningstjänsten. Försök igen om en stund eller "
        "logga in med lösenord.",
        "en": "The external sign-in provider could not be reached. Try again in a moment, or sign "
        "in with your password.",
    },
    "oidc-provider-refused": {
        "fi": "Kirjautumispalvelu hylkäsi kirjautumisen",
        "sv": "Inloggningstjänsten avvisade inloggningen",
        "en": "The sign-in provider refused the sign-in",
    },
    "oidc-provider-refused.detail": {
        "fi": "Kirjautumispalvelun vastaus ei kelvannut tai se oli jo käytetty. Aloita "
        "kirjautuminen alusta.",
        "sv": "Inloggningstjänstens svar gick inte att använda eller var redan använt. Börja om "
        "inloggningen.",
        "en": "The provider's answer could not be used or was used already. Start signing in "
        "again.",
    },
    "oidc-id-token-invalid": {
        "fi": "Kirjautumispalvelun vastaus ei kelpaa",
        "sv": "Inloggningstjänstens svar är ogiltigt",
        "en": "The sign-in provider's answer is not valid",
    },
    "oidc-id-token-invalid.detail": {
        "fi": "Kirjautumispalvelun antamaa tunnistetta ei voitu tarkistaa. Aloita kirjautuminen "
        "alusta.",
        "sv": "Identiteten från inloggningstjänsten kunde inte kontrolleras. Börja om "
        "inloggningen.",
        "en": "The identity the provider gave could not be checked. Start signing in again.",
    },
    "too-many-oidc-starts": {
        "fi": "Liian monta kirjautumisyritystä",
        "sv": "För många inloggningsförsök",
        "en": "Too many sign-in attempts",
    },
    "too-many-oidc-starts.detail": {
        "fi": "Tästä osoitteesta on aloitettu liian monta kirjautumista. Yritä uudelleen "
        "{retry_after} sekunnin kuluttua.",
        "sv": "För många inloggningar har påbörjats från den här adressen. Försök igen om "
        "{retry_after} sekunder.",
        "en": "Too many sign-ins were started from this address. Try again in {retry_after} "
        "seconds.",
    },
    "oidc-state-invalid": {
        "fi": "Kirjautuminen ei kelpaa",
        "sv": "Inloggningen är ogiltig",
        "en": "Invalid sign-in",
    },
    "oidc-state-invalid.detail": {
        "fi": "Kirjautumispalvelun paluu ei vastaa yhtään aloitettua kirjautumista. Aloita "
        "kirjautuminen alusta.",
        "sv": "Återkomsten från inloggningstjänsten motsvarar ingen påbörjad inloggning. Börja om "
        "inloggningen.",
        "en": "The return from the sign-in provider matches no sign-in that was started. Start "
        "signing in again.",
    },
    "oidc-state-expired": {
        "fi": "Kirjautuminen vanhentui",
        "sv": "Inloggningen gick ut",
        "en": "Sign-in expired",
    },
    "oidc-state-expired.detail": {
        "fi": "Kirjautuminen on tehtävä 10 minuutissa. Aloita kirjautuminen alusta.",
        "sv": "Inloggningen måste göras inom 10 minuter. Börja om inloggningen.",
        "en": "Signing in must be finished within 10 minutes. Start signing in again.",
    },
    "oidc-state-used": {
        "fi": "Kirjautuminen on jo käytetty",
        "sv": "Inloggningen har redan använts",
        "en": "Sign-in already used",
    },
    "oidc-state-used.detail": {
        "fi": "Kirjautumispalvelun paluun voi käyttää vain kerran. Aloita kirjautuminen alusta.",
        "sv": "Återkomsten från inloggningstjänsten kan användas bara en gång. Börja om "
        "inloggningen.",
        "en": "The return from the sign-in provider works only once. Start signing in again.",
    },
    "oidc-denied": {
        "fi": "Kirjautuminen peruttiin",
        "sv": "Inloggningen avbröts",
        "en": "Sign-in cancelled",
    },
    "oidc-denied.detail": {
        "fi": "Kirjautuminen peruttiin kirjautumispalvelussa.",
        "sv": "Inloggningen avbröts hos inloggningstjänsten.",
        "en": "Signing in was cancelled at the sign-in provider.",
    },
    "oidc-email-missing": {
        "fi": "Sähköpostiosoite puuttuu",
        "sv": "E-postadress saknas",
        "en": "No e-mail address",
    },
    "oidc-email-missing.detail": {
        "fi": "Kirjautumispalvelu ei kertonut sähköpostiosoitettasi. Salli osoitteen jakaminen tai "
        "kirjaudu salasanalla.",
        "sv": "Inloggningstjänsten uppgav inte din e-postadress. Tillåt att adressen delas eller "
        "logga in med lösenord.",
        "en": "The sign-in provider did not give your e-mail address. Allow it to share the "
        "address, or sign in with your password.",
    },
    "oidc-account-exists": {
        "fi": "Osoitteella on jo tili",
        "sv": "Adressen har redan ett konto",
        "en": "This address has an account",
    },
    "oidc-account-exists.detail": {
        "fi": "Osoitteella on jo tili, eikä sitä voitu liittää kirjautumispalveluun "
        "automaattisesti. Kirjaudu salasanalla ja liitä palvelu asetuksista.",
        "sv": "Adressen har redan ett konto som inte kunde kopplas till inloggningstjänsten "
        "automatiskt. Logga in med lösenord och koppla tjänsten i inställningarna.",
        "en": "This address already has an account that could not be linked to the provider by "
        "itself. Sign in with your password and link the provider in the settings.",
    },
    "oidc-identity-taken": {
        "fi": "Tunnus on jo liitetty toiseen tiliin",
        "sv": "Kontot är redan kopplat till ett annat konto",
        "en": "Linked to another account",
    },
    "oidc-identity-taken.detail": {
        "fi": "Tämä kirjautumispalvelun tunnus on jo liitetty toiseen tiliin. Poista se sieltä "
        "ensin.",
        "sv": "Det här kontot hos inloggningstjänsten är redan kopplat till ett annat konto. Ta "
        "först bort det där.",
        "en": "This account at the sign-in provider is linked to another account already. Remove it"
        " there first.",
    },
    "oidc-code-invalid": {
        "fi": "Kirjautumiskoodi ei kelpaa",
        "sv": "Inloggningskoden är ogiltig",
        "en": "Invalid sign-in code",
    },
    "oidc-code-invalid.detail": {
        "fi": "Kirjautumiskoodi on virheellinen. Aloita kirjautuminen alusta.",
        "sv": "Inloggningskoden är felaktig. Börja om inloggningen.",
        "en": "The sign-in code is not valid. Start signing in again.",
    },
    "oidc-code-expired": {
        "fi": "Kirjautumiskoodi vanhentui",
        "sv": "Inloggningskoden gick ut",
        "en": "Sign-in code expired",
    },
    "oidc-code-expired.detail": {
        "fi": "Kirjautumiskoodi on voimassa minuutin. Aloita kirjautuminen alusta.",
        "sv": "Inloggningskoden gäller en minut. Börja om inloggningen.",
        "en": "The sign-in code is valid for one minute. Start signing in again.",
    },
    "oidc-code-used": {
        "fi": "Kirjautumiskoodi on jo käytetty",
        "sv": "Inloggningskoden har redan använts",
        "en": "Sign-in code already used",
    },
    "oidc-code-used.detail": {
        "fi": "Kirjautumiskoodin voi käyttää vain kerran. Aloita kirjautuminen alusta.",
        "sv": "Inloggningskoden kan användas bara en gång. Börja om inloggningen.",
        "en": "The sign-in code works only once. Start signing in again.",
    },
    "oidc-last-sign-in-method": {
        "fi": "Viimeinen kirjautumistapa",
        "sv": "Sista inloggningssättet",
        "en": "Your last way to sign in",
    },
    "oidc-last-sign-in-method.detail": {
        "fi": "Tiliin ei voisi enää kirjautua. Aseta ensin salasana tai liitä toinen "
        "kirjautumispalvelu.",
        "sv": "Det skulle inte längre gå att logga in på kontot. Ange först ett lösenord eller "
        "koppla en annan inloggningstjänst.",
        "en": "You could no longer sign in. Set a password or link another sign-in provider first.",
    },
    "email-not-verified": {
        "fi": "Sähköpostiosoitetta ei ole vahvistettu",
        "sv": "E-postadressen är inte bekräftad",
        "en": "E-mail address not verified",
    },
    "email-not-verified.detail": {
        "fi": "Vahvista sähköpostiosoitteesi sinulle lähetetyn linkin kautta ennen kuin "
        "lähetät mitään asiakkaille.",
        "sv": "Bekräfta din e-postadress via länken vi skickade innan du skickar något till "
        "kunder.",
        "en": "Verify your e-mail address with the link we sent you before sending anything "
        "to customers.",
    },
    # field errors (pydantic's error types; others get "field.invalid", or pydantic's English
    # text when the caller reads English)
    "field.invalid": {
        "fi": "Arvo ei kelpaa.",
        "sv": "Värdet är ogiltigt.",
        "en": "The value is not valid.",
    },
    "field.missing": {
        "fi": "Kenttä on pakollinen.",
        "sv": "Fältet är obligatoriskt.",
        "en": "This field is required.",
    },
    "field.extra_forbidden": {
        "fi": "Tuntematon kenttä.",
        "sv": "Okänt fält.",
        "en": "Unknown field.",
    },
    "field.string_type": {
        "fi": "Arvon pitää olla tekstiä.",
        "sv": "Värdet måste vara text.",
        "en": "The value must be text.",
    },
    "field.string_too_short": {
        "fi": "Vähintään {min_length} merkkiä.",
        "sv": "Minst {min_length} tecken.",
        "en": "At least {min_length} characters.",
    },
    "field.string_too_long": {
        "fi": "Enintään {max_length} merkkiä.",
        "sv": "Högst {max_length} tecken.",
        "en": "At most {max_length} characters.",
    },
    "field.string_pattern_mismatch": {
        "fi": "Arvo ei ole oikeassa muodossa.",
        "sv": "Värdet har fel format.",
        "en": "The value is not in the expected format.",
    },
    "field.int_parsing": {
        "fi": "Arvon pitää olla kokonaisluku.",
        "sv": "Värdet måste vara ett heltal.",
        "en": "The value must be a whole number.",
    },
    "field.int_type": {
        "fi": "Arvon pitää olla kokonaisluku.",
        "sv": "Värdet måste vara ett heltal.",
        "en": "The value must be a whole number.",
    },
    "field.decimal_parsing": {
        "fi": 'Arvon pitää olla desimaaliluku, esim. "12.50".',
        "sv": 'Värdet måste vara ett decimaltal, t.ex. "12.50".',
        "en": 'The value must be a decimal number, e.g. "12.50".',
    },
    "field.bool_parsing": {
        "fi": "Arvon pitää olla true tai false.",
        "sv": "Värdet måste vara true eller false.",
        "en": "The value must be true or false.",
    },
    "field.date_from_datetime_parsing": {
        "fi": "Päivämäärän muoto on VVVV-KK-PP.",
        "sv": "Datumformatet är ÅÅÅÅ-MM-DD.",
        "en": "Dates are written YYYY-MM-DD.",
    },
    "field.date_parsing": {
        "fi": "Päivämäärän muoto on VVVV-KK-PP.",
        "sv": "Datumformatet är ÅÅÅÅ-MM-DD.",
        "en": "Dates are written YYYY-MM-DD.",
    },
    "field.greater_than_equal": {
        "fi": "Arvon pitää olla vähintään {ge}.",
        "sv": "Värdet måste vara minst {ge}.",
        "en": "The value must be at least {ge}.",
    },
    "field.less_than_equal": {
        "fi": "Arvon pitää olla enintään {le}.",
        "sv": "Värdet får vara högst {le}.",
        "en": "The value must be at most {le}.",
    },
    "field.less_than": {
        "fi": "Arvon pitää olla pienempi kuin {lt}.",
        "sv": "Värdet måste vara mindre än {lt}.",
        "en": "The value must be less than {lt}.",
    },
    "field.float_parsing": {
        "fi": "Arvon pitää olla luku.",
        "sv": "Värdet måste vara ett tal.",
        "en": "The value must be a number.",
    },
    "field.float_type": {
        "fi": "Arvon pitää olla luku.",
        "sv": "Värdet måste vara ett tal.",
        "en": "The value must be a number.",
    },
    "field.literal_error": {
        "fi": "Sallitut arvot: {expected}.",
        "sv": "Tillåtna värden: {expected}.",
        "en": "Allowed values: {expected}.",
    },
    "field.greater_than": {
        "fi": "Arvon pitää olla suurempi kuin {gt}.",
        "sv": "Värdet måste vara större än {gt}.",
        "en": "The value must be greater than {gt}.",
    },
    "field.enum": {
        "fi": "Sallitut arvot: {expected}.",
        "sv": "Tillåtna värden: {expected}.",
        "en": "Allowed values: {expected}.",
    },
    "field.json_invalid": {
        "fi": "Pyynnön runko ei ole kelvollista JSONia.",
        "sv": "Begärans innehåll är inte giltig JSON.",
        "en": "The request body is not valid JSON.",
    },
    "field.model_attributes_type": {
        "fi": "Odotettiin JSON-objektia.",
        "sv": "Ett JSON-objekt förväntades.",
        "en": "A JSON object was expected.",
    },
    "field.dict_type": {
        "fi": "Odotettiin JSON-objektia.",
        "sv": "Ett JSON-objekt förväntades.",
        "en": "A JSON object was expected.",
    },
}


class _Lenient(Formatter):
    def get_value(self, key: int | str, args: object, kwargs: Mapping[str, object]) -> object:
        return kwargs.get(str(key), "{" + str(key) + "}")


def translate(
    key: str, language: Language, params: Mapping[str, object] | None = None
) -> str | None:
    """The message for ``key`` in ``language``, or None when there is no such message."""
    entry = MESSAGES.get(key)
    if entry is None:
        return None
    return _Lenient().format(entry[language], **(params or {}))
