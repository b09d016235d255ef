"""E-invoices: Finvoice 3.0 and Peppol BIS Billing 3.0 (UBL 2.1), checked and validated.

- formats.py: the writers behind one protocol (finvoice.py, peppol.py), from plain document
  data (laskutin.documents.data) only;
- checks.py: what the app checks itself first, each missing item named for the user;
- validation.py: the official schemas and schematron rules (``../shared/einvoice``);
- service.py / routes.py: an issued invoice's e-invoice, made once and stored.

docs/einvoices.md describes the formats and the mapping decisions.
"""
