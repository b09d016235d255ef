"""The rule refusals of quotes (each a stable problem code with fi/sv/en messages;
api/problem.py maps them to 422, or 409 for conflicts). Unknown customers and products, VAT
rates not in force and lines without a value are the invoices' own (invoices.errors)."""

from __future__ import annotations

from laskutin.core.errors import Conflict, RuleViolation


class ValidUntilBeforeQuoteDate(RuleViolation):
    code = "quote-valid-until-before-date"
    messages = {
        "fi": "Kenttä {field}: tarjouksen voimassaolo ei voi päättyä ennen tarjouksen "
        "päivämäärää {quote_date}.",
        "sv": "Fältet {field}: offerten kan inte sluta gälla före offertdatumet {quote_date}.",
        "en": "Field {field}: the quote cannot stop being valid before its date, {quote_date}.",
    }


class QuoteHasNoLines(RuleViolation):
    code = "quote-has-no-lines"
    messages = {
        "fi": "Kenttä {field}: tarjouksella ei ole yhtään riviä. Lisää rivit ensin.",
        "sv": "Fältet {field}: offerten har inga rader. Lägg till rader först.",
        "en": "Field {field}: the quote has no lines. Add its lines first.",
    }


class QuoteSentFixed(RuleViolation, Conflict):
    code = "quote-sent-fixed"
    messages = {
        "fi": "Kenttä {field}: lähetetystä tarjouksesta voi muuttaa vain voimassaolon "
        "päättymispäivää (valid_until). Tee muutoksia varten uusi tarjous.",
        "sv": "Fältet {field}: i en skickad offert kan bara giltighetstiden (valid_until) "
        "ändras. Gör en ny offert för andra ändringar.",
        "en": "Field {field}: a sent quote can only have its validity (valid_until) extended. "
        "Make a new quote for other changes.",
    }


class QuoteNotDraft(RuleViolation, Conflict):
    code = "quote-not-draft"
    messages = {
        "fi": "Vain luonnoksen voi poistaa. Lähetetyn tarjouksen voi merkitä hylätyksi.",
        "sv": "Bara ett utkast kan tas bort. En skickad offert kan markeras som avböjd.",
        "en": "Only a draft can be deleted. A sent quote can be marked declined.",
    }


class QuoteAlreadySent(RuleViolation, Conflict):
    code = "quote-already-sent"
    messages = {
        "fi": "Tarjous on jo lähetetty.",
        "sv": "Offerten är redan skickad.",
        "en": "The quote has already been sent.",
    }


class QuoteAlreadyAccepted(RuleViolation, Conflict):
    code = "quote-already-accepted"
    messages = {
        "fi": "Asiakas on jo hyväksynyt tarjouksen, eikä sitä voi enää muuttaa, lähettää eikä "
        "hylätä.",
        "sv": "Kunden har redan godkänt offerten; den kan inte längre ändras, skickas eller "
        "avböjas.",
        "en": "The customer has already accepted the quote: it can no longer be changed, sent "
        "or declined.",
    }


class QuoteAlreadyDeclined(RuleViolation, Conflict):
    code = "quote-already-declined"
    messages = {
        "fi": "Tarjous on jo hylätty, eikä sitä voi enää muuttaa, lähettää eikä hyväksyä. Tee "
        "tarvittaessa uusi tarjous.",
        "sv": "Offerten är redan avböjd; den kan inte längre ändras, skickas eller godkännas. "
        "Gör vid behov en ny offert.",
        "en": "The quote has already been declined: it can no longer be changed, sent or "
        "accepted. Make a new quote if needed.",
    }


class QuoteExpired(RuleViolation, Conflict):
    code = "quote-expired"
    messages = {
        "fi": "Tarjous oli voimassa {valid_until} asti. Jatka voimassaoloa (valid_until) ensin.",
        "sv": "Offerten gällde till {valid_until}. Förläng giltighetstiden (valid_until) först.",
        "en": "The quote was valid until {valid_until}. Extend its validity (valid_until) first.",
    }


class QuoteNotAccepted(RuleViolation, Conflict):
    code = "quote-not-accepted"
    messages = {
        "fi": "Laskun voi tehdä vain hyväksytystä tarjouksesta. Merkitse tarjous ensin "
        "hyväksytyksi.",
        "sv": "En faktura kan bara göras av en godkänd offert. Markera offerten som godkänd först.",
        "en": "An invoice can only be made from an accepted quote. Mark the quote accepted first.",
    }


class QuoteAlreadyInvoiced(RuleViolation, Conflict):
    """``invoice``: the invoice's number once issued, else its id (``invoice_id`` always)."""

    code = "quote-already-invoiced"
    messages = {
        "fi": "Tarjouksesta on jo tehty lasku {invoice}. Jos haluat tehdä uuden, poista ensin "
        "sen luonnos.",
        "sv": "En faktura har redan gjorts av offerten: {invoice}. Ta bort dess utkast först om "
        "du vill göra en ny.",
        "en": "An invoice has already been made from the quote: {invoice}. Delete its draft "
        "first to make a new one.",
    }
