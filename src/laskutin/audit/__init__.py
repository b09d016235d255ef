"""The audit trail: who did what to which resource, and when (append-only ``audit_events``).

See :mod:`laskutin.audit.service` for ``record``, ``list_events`` and ``diff``.
"""
