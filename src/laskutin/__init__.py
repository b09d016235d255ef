"""Laskutin: online invoicing for Finnish businesses."""

__version__ = "0.1.0"
