"""Quotes (tarjous): offers to a customer that become invoice drafts once accepted."""
