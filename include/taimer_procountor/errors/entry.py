"""The shape of a catalogue entry and of an error attached to one document."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum


class FixWhere(StrEnum):
    """Where the person reading the error has to go to fix it."""

    TAIMER = "taimer"
    PROCOUNTOR = "procountor"
    INTEGRATION = "integration"  # connection settings, credentials, this pipeline's configuration
    TRANSIENT = "transient"  # nothing to fix: a retry or the next run resolves it


@dataclass(frozen=True)
class ErrorEntry:
    """One catalogue entry. ``code`` is the key; texts are for people (run report, Taimer write-back)."""

    code: str
    fi: str
    en: str
    fix_fi: str
    fix_en: str
    fix_where: FixWhere
    retryable: bool = False

    def as_dict(self) -> dict[str, str | bool]:
        return {
            "code": self.code,
            "fi": self.fi,
            "en": self.en,
            "fix_fi": self.fix_fi,
            "fix_en": self.fix_en,
            "fix_where": self.fix_where.value,
            "retryable": self.retryable,
        }


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
        from taimer_procountor.errors.catalogue import lookup

        entry = lookup(self.code)
        text = entry.fi if language == "fi" else entry.en
        parts = [f"{self.code}: {text}"]
        if self.field:
            parts.append(f"[{self.field}]")
        if self.detail:
            parts.append(f"({self.detail})")
        return " ".join(parts)
