"""Validate e-invoices with the official artifacts: XSDs (lxml) and schematron XSLTs (saxonche).

The recipe of ``../shared/einvoice/VALIDATION.md``: well-formedness, then the XSD (Finvoice 3.0,
or UBL 2.1 Invoice / CreditNote), then for Peppol the EN 16931 (CEN) and the PEPPOL schematron
rules, compiled to XSLT 2.0, which lxml cannot run. Each failed assertion of the SVRL output is
a :class:`Finding`; a ``fatal`` one means the document must not be sent (:func:`ensure_valid`
raises :class:`EinvoiceInvalid`).

Threads: saxonche objects are not documented as thread-safe, and a Saxon object freed by
another thread than the one that made it crashes the process at exit. So all validation runs on
a small pool of long-lived daemon threads (:data:`POOL_SIZE`, one per core of the machines
here), each with its own Saxon processor, compiled CEN and PEPPOL executables and lxml schemas,
made on first use (about a second) and kept for the life of the process.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TypeVar

from lxml import etree  # type: ignore[import-untyped]
from saxonche import PySaxonApiError, PySaxonProcessor

from laskutin.core.errors import FieldError, ValidationFailed
from laskutin.einvoice.codes import Format

Source = Literal["xml", "xsd", "cen", "peppol"]
POOL_SIZE = 2
SVRL = "http://purl.oclc.org/dsdl/svrl"
UBL_INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
UBL_CREDIT_NOTE = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
T = TypeVar("T")


@dataclass(frozen=True)
class Finding:
    """One failed rule: where it comes from, its id (``BR-CO-16``; ``XSD`` or ``XML`` for the
    schema and the parser), ``fatal`` or ``warning``, its text and location."""

    source: Source
    id: str
    flag: str
    text: str
    location: str | None = None

    @property
    def fatal(self) -> bool:
        return self.flag == "fatal"


class ArtifactsMissing(RuntimeError):
    """The schemas or rule sets are not where LASKUTIN_EINVOICE_ARTIFACTS_DIR says."""


class EinvoiceInvalid(ValidationFailed):
    """A generated e-invoice failed the official rules: it is not stored or sent (422, each
    fatal finding listed with its rule id as the code)."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(self.localised("en"))

    def localised(self, language: str) -> list[FieldError]:
        # The rule texts exist in English only; the ids let support look them up.
        return [FieldError("einvoice", f.id, f.text) for f in self.findings if f.fatal]


@dataclass(frozen=True)
class Artifacts:
    """Where the official files are, under the artifacts folder (layout of README.md there)."""

    root: Path

    @property
    def finvoice_xsd(self) -> Path:
        return self.root / "finvoice-3.0" / "Finvoice3.0.xsd"

    @property
    def ubl_invoice_xsd(self) -> Path:
        return self.root / "ubl-2.1" / "xsd" / "maindoc" / "UBL-Invoice-2.1.xsd"

    @property
    def ubl_credit_note_xsd(self) -> Path:
        return self.root / "ubl-2.1" / "xsd" / "maindoc" / "UBL-CreditNote-2.1.xsd"

    @property
    def cen_xslt(self) -> Path:
        return self.root / "peppol-bis3" / "xslt" / "CEN-EN16931-UBL.xslt"

    @property
    def peppol_xslt(self) -> Path:
        return self.root / "peppol-bis3" / "xslt" / "PEPPOL-EN16931-UBL.xslt"

    def require(self, *paths: Path) -> None:
        missing = [str(path) for path in paths if not path.is_file()]
        if missing:
            raise ArtifactsMissing(
                "e-invoice validation artifacts not found (LASKUTIN_EINVOICE_ARTIFACTS_DIR="
                f"{self.root}): {', '.join(missing)}"
            )


class _ThreadValidator:
    """One thread's schemas and compiled schematron, made on first use."""

    def __init__(self, artifacts: Artifacts) -> None:
        self.artifacts = artifacts
        self._schemas: dict[Path, Any] = {}
        # Entities are never expanded and nothing is fetched: validate() may get any bytes.
        # (A parser is not to be shared between threads, so each thread has its own.)
        self.parser = etree.XMLParser(resolve_entities=False, no_network=True)

    def schema(self, path: Path) -> Any:
        if path not in self._schemas:
            self.artifacts.require(path)
            self._schemas[path] = etree.XMLSchema(etree.parse(str(path)))
        return self._schemas[path]

    @cached_property
    def saxon(self) -> tuple[Any, Any, Any]:
        """The processor and the CEN and PEPPOL executables."""
        self.artifacts.require(self.artifacts.cen_xslt, self.artifacts.peppol_xslt)
        processor = PySaxonProcessor(license=False)
        compiler = processor.new_xslt30_processor()
        cen = compiler.compile_stylesheet(stylesheet_file=str(self.artifacts.cen_xslt))
        peppol = compiler.compile_stylesheet(stylesheet_file=str(self.artifacts.peppol_xslt))
        return processor, cen, peppol

    def validate(self, content: bytes, format: Format, schematron: bool) -> list[Finding]:
        try:
            tree = etree.fromstring(content, self.parser)
        except etree.XMLSyntaxError as exc:
            return [Finding("xml", "XML", "fatal", str(exc))]
        if format == "finvoice":
            path = self.artifacts.finvoice_xsd
        elif tree.tag == UBL_CREDIT_NOTE:
            path = self.artifacts.ubl_credit_note_xsd
        elif tree.tag == UBL_INVOICE:
            path = self.artifacts.ubl_invoice_xsd
        else:
            return [Finding("xsd", "XSD", "fatal", f"not a UBL Invoice or CreditNote: {tree.tag}")]
        schema = self.schema(path)
        try:
            valid = schema.validate(tree)
        except etree.XMLSchemaValidateError as exc:  # e.g. an entity left unexpanded
            return [Finding("xsd", "XSD", "fatal", str(exc))]
        if not valid:
            return [
                Finding("xsd", "XSD", "fatal", f"line {e.line}: {e.message}", e.path)
                for e in schema.error_log
            ]
        if format == "finvoice" or not schematron:
            return []
        processor, cen, peppol = self.saxon
        # The XSLTs assume a schema-valid document, so they run only now (VALIDATION.md).
        try:
            node = processor.parse_xml(xml_text=content.decode("utf-8"))
            reports: list[tuple[Source, Any]] = [("cen", cen), ("peppol", peppol)]
            return [
                finding
                for source, rules in reports
                for finding in self.svrl(source, rules.transform_to_string(xdm_node=node))
            ]
        except PySaxonApiError as exc:  # a document the rules cannot even read is refused
            return [Finding("cen", "XSLT", "fatal", str(exc))]

    def svrl(self, source: Source, report: str) -> list[Finding]:
        """The failed assertions (and successful reports) of an SVRL report."""
        tree = etree.fromstring(report.encode("utf-8"), self.parser)
        findings = []
        for failed in tree.findall(f".//{{{SVRL}}}failed-assert") + tree.findall(
            f".//{{{SVRL}}}successful-report"
        ):
            text = " ".join(failed.findtext(f"{{{SVRL}}}text", default="").split())
            flag = failed.get("flag") or "fatal"  # an unflagged rule counts as a rejection
            rule = failed.get("id", "?")
            findings.append(Finding(source, rule, flag, text, failed.get("location")))
        return findings


_local = threading.local()


def _validator(artifacts: Artifacts) -> _ThreadValidator:
    cache: dict[Path, _ThreadValidator] | None = getattr(_local, "validators", None)
    if cache is None:
        cache = _local.validators = {}
    if artifacts.root not in cache:
        cache[artifacts.root] = _ThreadValidator(artifacts)
    return cache[artifacts.root]


class _Pool:
    """Daemon threads that never exit, fed by one queue (see the module docstring)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self._start_afresh()

    def _start_afresh(self) -> None:
        self.pid = os.getpid()
        self.jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
        self.threads: list[threading.Thread] = []

    def submit(self, work: Callable[[], T]) -> Future[T]:
        with self.lock:
            if self.pid != os.getpid():  # a forked child has none of its parent's threads
                self._start_afresh()
            while len(self.threads) < self.size:
                thread = threading.Thread(
                    target=self._run, name=f"einvoice-validator-{len(self.threads)}", daemon=True
                )
                thread.start()
                self.threads.append(thread)
        future: Future[T] = Future()
        self.jobs.put((future, work))
        return future

    def _run(self) -> None:
        while True:
            future, work = self.jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(work())
            except BaseException as exc:  # handed to the caller, who re-raises it
                future.set_exception(exc)


_pool = _Pool(POOL_SIZE)


def _job(
    content: bytes, format: Format, artifacts_dir: Path, schematron: bool
) -> Callable[[], list[Finding]]:
    artifacts = Artifacts(Path(artifacts_dir))
    return lambda: _validator(artifacts).validate(content, format, schematron)


def validate(
    content: bytes, format: Format, artifacts_dir: Path, *, schematron: bool = True
) -> list[Finding]:
    """Every finding of ``content`` (blocking: waits for a validator thread)."""
    return _pool.submit(_job(content, format, artifacts_dir, schematron)).result()


async def validate_async(
    content: bytes, format: Format, artifacts_dir: Path, *, schematron: bool = True
) -> list[Finding]:
    """:func:`validate` without blocking the event loop."""
    future = _pool.submit(_job(content, format, artifacts_dir, schematron))
    return await asyncio.wrap_future(future)


def ensure_valid(findings: list[Finding]) -> None:
    """Raise :class:`EinvoiceInvalid` when any finding is fatal (warnings are accepted)."""
    if any(finding.fatal for finding in findings):
        raise EinvoiceInvalid(findings)
