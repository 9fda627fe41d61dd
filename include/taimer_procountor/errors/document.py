"""An error attached to one document: a catalogue code, the field it concerns and free detail."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from taimer_procountor.errors.catalogue import lookup


@dataclass(frozen=True)
class DocumentError:
    """A catalogue code raised against one document, with the field it concerns and free detail.

    ``detail`` must never contain secrets; it is written to the ledger, the run report and back to Taimer.
    """

    code: str
    field: str | None = None
    detail: str | None = None
    context: dict[str, str] = dataclasses.field(default_factory=dict)

    def message(self, language: str = "en") -> str:
        entry = lookup(self.code)
        text = entry.fi if language == "fi" else entry.en
        parts = [f"{self.code}: {text}"]
        if self.field:
            parts.append(f"[{self.field}]")
        if self.detail:
            parts.append(f"({self.detail})")
        return " ".join(parts)
