"""Process state that /readyz reports: draining means "stop sending me new traffic"."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Lifecycle:
    draining: bool = False

    def begin_drain(self) -> None:
        self.draining = True
