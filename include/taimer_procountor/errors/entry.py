"""The shape of a catalogue entry. The per-area ``codes_*`` modules build their entries from it."""

from __future__ import annotations

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
