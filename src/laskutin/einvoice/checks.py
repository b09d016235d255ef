"""What the app checks itself before it writes an e-invoice, in words a user can act on.

The official rules (validation.py) would refuse these documents too, but with a rule id such
as PEPPOL-EN16931-R003; here each missing item is named by the field to fix, all at once
(:class:`EinvoiceNotReady`, a 422 listing them). Pure: no I/O.

Checked (format: Peppol P, Finvoice F):
- the seller's business id (P, F), from which its VAT number and e-invoice address follow
  (a VAT number for a seller abroad without one);
- a bank account (P, F): payment means (BR-61) and Finvoice's EpiDetails need an IBAN;
- an e-invoice address for the seller and the buyer (P: PEPPOL-EN16931-R010/R020, a Peppol
  scheme (CL008); F: the routing of the message), derived from a Finnish business id when the
  party has none (parties.py);
- a buyer reference or an order reference (P: PEPPOL-EN16931-R003);
- the buyer's VAT number for intra-Community supply and EU reverse charge (BR-IC-02,
  BR-AE-02; AVL 209 e § 4 kohta), its business id (or VAT number) for the construction reverse
  charge (AVL 8 c §);
- a delivery country outside the EU for an export (category G, AVL 70 §);
- Finvoice's length limits on the invoice number (20) and the references (70).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from laskutin.core.errors import Conflict, FieldError, RuleViolation, ValidationFailed
from laskutin.documents.data import InvoiceDocument, Party
from laskutin.einvoice.codes import EU_COUNTRIES, PEPPOL_EAS, Format
from laskutin.einvoice.parties import (
    Endpoint,
    buyer_vat_number,
    categories,
    delivery_address,
    finvoice_address,
    given_peppol_endpoint,
    outside_vat,
    peppol_endpoint,
    seller_vat_number,
)
from laskutin.finnish.vat import VAT_GROUNDS, PartyId, VatCategory

FINVOICE_NUMBER_LIMIT = 20
FINVOICE_REFERENCE_LIMIT = 70


class EinvoiceOfDraft(RuleViolation, Conflict):
    code = "einvoice-of-draft"
    messages = {
        "fi": "Lasku on vielä luonnos: laskuta se ensin, sitten siitä voi tehdä verkkolaskun.",
        "sv": "Fakturan är ännu ett utkast: utfärda den först, sedan kan en e-faktura göras.",
        "en": "The invoice is still a draft: issue it first, then its e-invoice can be made.",
    }


class SellerBusinessIdMissing(RuleViolation):
    code = "einvoice-seller-business-id-missing"
    messages = {
        "fi": "Yrityksen Y-tunnus puuttuu: verkkolasku tarvitsee sen (ja siitä johdetun "
        "ALV-numeron ja verkkolaskuosoitteen).",
        "sv": "Företagets FO-nummer saknas: e-fakturan behöver det (och momsregistrerings"
        "numret och e-fakturaadressen som följer av det).",
        "en": "The company's business ID is missing: the e-invoice needs it (and the VAT "
        "number and e-invoice address that follow from it).",
    }


class SellerVatNumberMissing(RuleViolation):
    code = "einvoice-seller-vat-number-missing"
    messages = {
        "fi": "Yrityksen ALV-numero puuttuu: lisää se yrityksen tietoihin.",
        "sv": "Företagets momsregistreringsnummer saknas: lägg till det i företagets uppgifter.",
        "en": "The company's VAT number is missing: add it to the company settings.",
    }


class BankAccountMissing(RuleViolation):
    code = "einvoice-bank-account-missing"
    messages = {
        "fi": "Yrityksellä ei ole pankkitiliä: verkkolaskun maksutiedot tarvitsevat IBANin.",
        "sv": "Företaget har inget bankkonto: e-fakturans betalningsuppgifter behöver ett IBAN.",
        "en": "The company has no bank account: the e-invoice's payment details need an IBAN.",
    }


class SellerAddressMissing(RuleViolation):
    code = "einvoice-seller-address-missing"
    messages = {
        "fi": "Yrityksellä ei ole tähän muotoon sopivaa verkkolaskuosoitetta eikä suomalaista "
        "Y-tunnusta, josta osoite johdettaisiin: lisää verkkolaskuosoite yrityksen tietoihin.",
        "sv": "Företaget har ingen e-fakturaadress som passar det här formatet och inget finskt "
        "FO-nummer att härleda en av: lägg till e-fakturaadressen i företagets uppgifter.",
        "en": "The company has no e-invoice address this format can use and no Finnish "
        "business ID to derive one from: add the e-invoice address to the company settings.",
    }


class BuyerAddressMissing(RuleViolation):
    code = "einvoice-buyer-address-missing"
    messages = {
        "fi": "Asiakkaalla ei ole tähän muotoon sopivaa verkkolaskuosoitetta eikä suomalaista "
        "Y-tunnusta, josta osoite johdettaisiin: lisää asiakkaan verkkolaskuosoite.",
        "sv": "Kunden har ingen e-fakturaadress som passar det här formatet och inget finskt "
        "FO-nummer att härleda en av: lägg till kundens e-fakturaadress.",
        "en": "The customer has no e-invoice address this format can use and no Finnish "
        "business ID to derive one from: add the customer's e-invoice address.",
    }


class AddressSchemeNotPeppol(RuleViolation):
    code = "einvoice-address-scheme-not-peppol"
    messages = {
        "fi": "Verkkolaskuosoitteen {address} tunnistetyyppi {scheme} ei ole Peppolin "
        "osoitetyyppi: tarkista osoite.",
        "sv": "Identifierartypen {scheme} i e-fakturaadressen {address} är ingen "
        "Peppol-adresstyp: kontrollera adressen.",
        "en": "The scheme {scheme} of the e-invoice address {address} is not a Peppol address "
        "scheme: please check the address.",
    }


class BuyerReferenceMissing(RuleViolation):
    code = "einvoice-buyer-reference-missing"
    messages = {
        "fi": "Peppol-verkkolasku vaatii ostajan viitteen tai tilausnumeron. Laskutettua "
        "laskua ei voi muuttaa: hyvitä lasku ja laskuta uudelleen viitteen kanssa.",
        "sv": "En Peppol-e-faktura kräver köparens referens eller ett ordernummer. En utfärdad "
        "faktura kan inte ändras: kreditera den och fakturera på nytt med referensen.",
        "en": "A Peppol e-invoice needs the buyer's reference or an order number. An issued "
        "invoice cannot be changed: credit it and invoice again with the reference.",
    }


class BuyerVatNumberMissing(RuleViolation):
    code = "einvoice-buyer-vat-number-missing"
    messages = {
        "fi": "Asiakkaan ALV-numero puuttuu: se vaaditaan yhteisömyynnissä ja käännetyssä "
        "verovelvollisuudessa (AVL 209 e §).",
        "sv": "Kundens momsregistreringsnummer saknas: det krävs vid gemenskapsintern "
        "försäljning och omvänd skattskyldighet.",
        "en": "The customer's VAT number is missing: intra-Community supply and reverse charge "
        "need it.",
    }


class BuyerBusinessIdMissing(RuleViolation):
    code = "einvoice-buyer-business-id-missing"
    messages = {
        "fi": "Asiakkaan Y-tunnus puuttuu: rakentamispalveluiden käännetty verovelvollisuus "
        "vaatii ostajan Y-tunnuksen laskulle.",
        "sv": "Kundens FO-nummer saknas: omvänd skattskyldighet för byggtjänster kräver "
        "köparens FO-nummer på fakturan.",
        "en": "The customer's business ID is missing: the construction reverse charge needs "
        "the buyer's business ID on the invoice.",
    }


class ExportInsideEu(RuleViolation):
    code = "einvoice-export-inside-eu"
    messages = {
        "fi": "Vienti EU:n ulkopuolelle (ALV-luokka G) vaatii toimitusmaan EU:n ulkopuolelta; "
        "nyt toimitusmaa on {country}.",
        "sv": "Export utanför EU (momskategori G) kräver ett leveransland utanför EU; nu är "
        "leveranslandet {country}.",
        "en": "An export outside the EU (VAT category G) needs a delivery country outside the "
        "EU; the delivery country is {country}.",
    }


class TooLongForFinvoice(RuleViolation):
    code = "einvoice-too-long-for-finvoice"
    messages = {
        "fi": "Finvoice sallii tähän enintään {limit} merkkiä; nyt niitä on {length}.",
        "sv": "Finvoice tillåter högst {limit} tecken här; nu är det {length}.",
        "en": "Finvoice allows at most {limit} characters here; this has {length}.",
    }


class EinvoiceNotReady(ValidationFailed):
    """Everything that keeps an issued invoice from becoming an e-invoice, each naming its
    field (422, like an invoice that cannot be issued)."""

    def __init__(self, violations: Sequence[tuple[str, RuleViolation]]) -> None:
        self.violations = list(violations)
        super().__init__(self.localised("en"))

    def localised(self, language: str) -> list[FieldError]:
        return [FieldError(field, v.code, v.message(language)) for field, v in self.violations]


def problems(document: InvoiceDocument, format: Format) -> list[tuple[str, RuleViolation]]:
    """Every missing or unfit item of ``document`` for ``format``, as (field, violation)."""
    found = _seller(document) + _buyer_ids(document) + _export(document)
    if format == "peppol":
        found += _peppol(document)
    else:
        found += _finvoice(document)
    return found


def check(document: InvoiceDocument, format: Format) -> None:
    """Raise :class:`EinvoiceOfDraft` for a draft, :class:`EinvoiceNotReady` listing every
    problem, or nothing."""
    if document.draft:
        raise EinvoiceOfDraft()
    found = problems(document, format)
    if found:
        raise EinvoiceNotReady(found)


def _seller(document: InvoiceDocument) -> list[tuple[str, RuleViolation]]:
    found: list[tuple[str, RuleViolation]] = []
    if not document.seller.business_id:
        found.append(("company.business_id", SellerBusinessIdMissing()))
    elif not outside_vat(document) and seller_vat_number(document) is None:
        found.append(("company.vat_number", SellerVatNumberMissing()))
    if not document.bank_accounts:
        found.append(("company.bank_accounts", BankAccountMissing()))
    return found


def _buyer_ids(document: InvoiceDocument) -> list[tuple[str, RuleViolation]]:
    """The buyer's ids that a non-S ground asks for (finnish.vat grounds' ``buyer_ids``)."""
    grounds = [VAT_GROUNDS.get(row.vat_ground or "") for row in document.vat_breakdown]
    wanted = {party_id for ground in grounds if ground for party_id in ground.buyer_ids}
    if VatCategory.INTRA_COMMUNITY_SUPPLY.value in categories(document):
        wanted.add(PartyId.VAT_ID)  # BR-IC-02, whatever the ground table says
    found: list[tuple[str, RuleViolation]] = []
    if PartyId.VAT_ID in wanted and not document.buyer.vat_number:
        found.append(("customer.vat_number", BuyerVatNumberMissing()))
    elif (
        PartyId.BUSINESS_ID in wanted
        and not buyer_vat_number(document)
        and not document.buyer.business_id
    ):
        found.append(("customer.business_id", BuyerBusinessIdMissing()))
    return found


def _export(document: InvoiceDocument) -> list[tuple[str, RuleViolation]]:
    if VatCategory.EXPORT_OUTSIDE_EU.value not in categories(document):
        return []
    country = delivery_address(document).country_code
    if country in EU_COUNTRIES:
        return [("customer.delivery_country", ExportInsideEu(country=country))]
    return []


def _addresses(
    document: InvoiceDocument, address: Callable[[Party], Endpoint | None]
) -> list[tuple[str, RuleViolation]]:
    """The seller's and the buyer's e-invoice address (a seller without a business id is
    already reported: its address would follow from that id)."""
    found: list[tuple[str, RuleViolation]] = []
    if document.seller.business_id and address(document.seller) is None:
        found.append(("company.einvoice_address", SellerAddressMissing()))
    if address(document.buyer) is None:
        found.append(("customer.einvoice_address", BuyerAddressMissing()))
    return found


def _peppol(document: InvoiceDocument) -> list[tuple[str, RuleViolation]]:
    found: list[tuple[str, RuleViolation]] = []
    if not ((document.buyer_reference or "").strip() or (document.order_reference or "").strip()):
        found.append(("buyer_reference", BuyerReferenceMissing()))
    for field, party in (
        ("company.einvoice_address", document.seller),
        ("customer.einvoice_address", document.buyer),
    ):
        given = given_peppol_endpoint(party)
        if given is not None and given.scheme not in PEPPOL_EAS:
            address = f"{given.scheme}:{given.value}"
            found.append((field, AddressSchemeNotPeppol(address=address, scheme=given.scheme)))
    return found + _addresses(document, peppol_endpoint)


def _finvoice(document: InvoiceDocument) -> list[tuple[str, RuleViolation]]:
    found = _addresses(document, finvoice_address)
    for field, value, limit in (
        ("number", document.number, FINVOICE_NUMBER_LIMIT),
        ("buyer_reference", document.buyer_reference, FINVOICE_REFERENCE_LIMIT),
        ("order_reference", document.order_reference, FINVOICE_REFERENCE_LIMIT),
    ):
        if value is not None and len(value) > limit:
            found.append((field, TooLongForFinvoice(limit=limit, length=len(value))))
    return found
