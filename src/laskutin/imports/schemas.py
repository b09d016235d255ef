"""API shapes of CSV imports (issue 9)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

ImportKind = Literal["customers", "products"]
ImportState = Literal["checked", "invalid", "queued", "running", "done", "failed"]


class RowProblem(BaseModel):
    line: int = Field(description="Line number in the file (the header is line 1)")
    column: str | None = Field(description="The CSV column's header, when one is to blame")
    field: str | None = Field(description="Our field name")
    message: str


class ImportColumns(BaseModel):
    used: dict[str, str] = Field(description="Our field -> the CSV header it was read from")
    ignored: list[str] = Field(description="Headers that name no field we know")


class ImportRead(BaseModel):
    """The check (dry run) of an uploaded file and, once run, the import's progress."""

    id: uuid.UUID
    kind: ImportKind
    state: ImportState = Field(
        description="checked: ready to run; invalid: bad rows (nothing can be imported); "
        "queued/running: importing (see done_rows); done; failed"
    )
    filename: str | None
    total_rows: int
    done_rows: int
    created_count: int
    error_count: int
    errors: list[RowProblem] = Field(description="Every bad row's problem (the first 1,000)")
    warnings: list[RowProblem] = Field(
        description="Not refusals: e.g. a business ID another customer has already"
    )
    columns: ImportColumns
    created_at: dt.datetime
    updated_at: dt.datetime
    finished_at: dt.datetime | None


class ImportPage(BaseModel):
    items: list[ImportRead]
    next_cursor: str | None = Field(
        description="Pass as ``cursor`` for the next page; null on the last page"
    )
