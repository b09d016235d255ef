"""The rule refusals of invoices and credit notes (each a stable problem code with fi/sv/en
messages; api/problem.py maps them to 422, or 409 for conflicts)."""

from __future__ import annotations

from collections.abc import Sequence

from laskutin.core.errors import (
    Conflict,
    FieldError,
    RuleViolation,
    ValidationFailed,
)


class VatRateNotInForce(RuleViolation):
    code = "vat-rate-not-in-force"
    messages = {
        "fi": "Kenttä {field}: verokanta {rate} % ei ole voimassa {day}. Silloin voimassa "
        "olevat verokannat: {rates} % (yleinen verokanta {general} %).",
        "sv": "Fältet {field}: skattesatsen {rate} % gäller inte {day}. Då gällande "
        "skattesatser: {rates} % (allmän skattesats {general} %).",
        "en": "Field {field}: the VAT rate {rate} % is not in force on {day}. The rates in "
        "force then: {rates} % (general rate {general} %).",
    }


class UnknownCustomer(RuleViolation):
    code = "unknown-customer"
    messages = {
        "fi": "Kenttä {field}: asiakasta ei löydy.",
        "sv": "Fältet {field}: kunden finns inte.",
        "en": "Field {field}: no such customer.",
    }


class UnknownProduct(RuleViolation):
    code = "unknown-product"
    messages = {
        "fi": "Kenttä {field}: tuotetta ei löydy.",
        "sv": "Fältet {field}: produkten finns inte.",
        "en": "Field {field}: no such product.",
    }


class LineValueRequired(RuleViolation):
    code = "line-value-required"
    messages = {
        "fi": "Kenttä {field}: anna arvo (tai tuote, jolta se otetaan).",
        "sv": "Fältet {field}: ange ett värde (eller en produkt att ta det från).",
        "en": "Field {field}: give a value (or a product to take it from).",
    }


class InvoiceImmutable(RuleViolation, Conflict):
    code = "invoice-immutable"
    messages = {
        "fi": "Lähetettyä laskua ei voi muuttaa eikä poistaa; tee hyvityslasku.",
        "sv": "En utfärdad faktura kan inte ändras eller tas bort; gör en kreditnota.",
        "en": "Issued invoices are immutable; create a credit note.",
    }


class AlreadyIssued(RuleViolation, Conflict):
    code = "invoice-already-issued"
    messages = {
        "fi": "Lasku on jo laskutettu (numero {number}).",
        "sv": "Fakturan är redan utfärdad (nummer {number}).",
        "en": "The invoice is already issued (number {number}).",
    }


class CreditNoteLinesFixed(RuleViolation):
    code = "credit-note-lines-fixed"
    messages = {
        "fi": "Kenttä {field}: hyvityslaskun rivit ja asiakas tulevat alkuperäiseltä laskulta; "
        "poista luonnos ja tee uusi hyvitys.",
        "sv": "Fältet {field}: kreditnotans rader och kund kommer från den ursprungliga "
        "fakturan; ta bort utkastet och gör en ny kreditering.",
        "en": "Field {field}: a credit note's lines and customer come from the original "
        "invoice; delete the draft and credit again.",
    }


class NotCreditable(RuleViolation, Conflict):
    code = "invoice-not-creditable"
    messages = {
        "fi": "Vain laskutettua laskua voi hyvittää (ei luonnosta eikä hyvityslaskua).",
        "sv": "Bara en utfärdad faktura kan krediteras (inte ett utkast eller en kreditnota).",
        "en": "Only an issued invoice can be credited (not a draft, not a credit note).",
    }


class CreditExceedsRemaining(RuleViolation):
    code = "credit-exceeds-remaining"
    messages = {
        "fi": "Kenttä {field}: hyvitys {amount} € ylittää hyvittämättä olevan osan {remaining} €.",
        "sv": "Fältet {field}: krediteringen {amount} € överstiger den okrediterade delen "
        "{remaining} €.",
        "en": "Field {field}: the credit of {amount} € exceeds what remains un-credited, "
        "{remaining} €.",
    }


class AmountNotPositive(RuleViolation):
    code = "amount-not-positive"
    messages = {
        "fi": "Kenttä {field}: summan on oltava suurempi kuin nolla.",
        "sv": "Fältet {field}: beloppet måste vara större än noll.",
        "en": "Field {field}: the amount must be greater than zero.",
    }


class CreditChoiceAmbiguous(RuleViolation):
    code = "credit-choice-ambiguous"
    messages = {
        "fi": "Kenttä {field}: anna joko rivit tai summa, ei molempia.",
        "sv": "Fältet {field}: ange antingen rader eller ett belopp, inte båda.",
        "en": "Field {field}: give either lines or an amount, not both.",
    }


class BusinessIdMissing(RuleViolation):
    code = "business-id-missing"
    messages = {
        "fi": "Yrityksen Y-tunnus puuttuu: lisää se yrityksen tietoihin ennen laskutusta.",
        "sv": "Företagets FO-nummer saknas: lägg till det i företagets uppgifter först.",
        "en": "The company has no business ID: add it to the company settings first.",
    }


class BankAccountMissing(RuleViolation):
    code = "bank-account-missing"
    messages = {
        "fi": "Yrityksellä ei ole pankkitiliä: lisää tili yrityksen tietoihin ennen laskutusta.",
        "sv": "Företaget har inget bankkonto: lägg till ett i företagets uppgifter först.",
        "en": "The company has no bank account: add one to the company settings first.",
    }


class NoLines(RuleViolation):
    code = "invoice-has-no-lines"
    messages = {
        "fi": "Laskulla ei ole yhtään riviä.",
        "sv": "Fakturan har inga rader.",
        "en": "The invoice has no lines.",
    }


class CustomerArchived(RuleViolation):
    code = "customer-archived"
    messages = {
        "fi": "Asiakas on arkistoitu: valitse toinen asiakas.",
        "sv": "Kunden är arkiverad: välj en annan kund.",
        "en": "The customer is archived: choose another customer.",
    }


class NotIssuable(ValidationFailed):
    """Everything that keeps a draft from being issued, each naming its field (422)."""

    def __init__(self, violations: Sequence[tuple[str, RuleViolation]]) -> None:
        self.violations = list(violations)
        super().__init__(self.localised("en"))

    def localised(self, language: str) -> list[FieldError]:
        return [FieldError(field, v.code, v.message(language)) for field, v in self.violations]
