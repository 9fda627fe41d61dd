"""All catalogue entries in one mapping, assembled from the per-area ``codes_*`` modules."""

from __future__ import annotations

from taimer_procountor.errors.codes_inbound import INBOUND_CODES
from taimer_procountor.errors.codes_outbound import OUTBOUND_CODES
from taimer_procountor.errors.codes_outbound_kinds import OUTBOUND_KINDS_CODES
from taimer_procountor.errors.codes_outbound_load import OUTBOUND_LOAD_CODES
from taimer_procountor.errors.codes_procountor import PROCOUNTOR_CODES
from taimer_procountor.errors.codes_reference import REFERENCE_CODES
from taimer_procountor.errors.codes_runs import RUN_CODES
from taimer_procountor.errors.codes_taimer import TAIMER_CODES
from taimer_procountor.errors.entry import ErrorEntry, FixWhere

_SOURCES: tuple[tuple[ErrorEntry, ...], ...] = (
    PROCOUNTOR_CODES,
    TAIMER_CODES,
    REFERENCE_CODES,
    OUTBOUND_CODES,
    OUTBOUND_LOAD_CODES,
    OUTBOUND_KINDS_CODES,
    INBOUND_CODES,
    RUN_CODES,
)


def _assemble() -> dict[str, ErrorEntry]:
    table: dict[str, ErrorEntry] = {}
    for entries in _SOURCES:
        for entry in entries:
            if entry.code in table:
                raise ValueError(f"error code {entry.code} is defined twice in the catalogue")
            table[entry.code] = entry
    return table


CATALOGUE: dict[str, ErrorEntry] = _assemble()


def lookup(code: str) -> ErrorEntry:
    """The entry for ``code``. A code Procountor sends that we have not catalogued yet keeps its own code and
    gets a generic description, so nothing is lost from the report."""
    entry = CATALOGUE.get(code)
    if entry is not None:
        return entry
    return ErrorEntry(
        code,
        f"Procountorin virhe {code} (ei vielä luettelossa).",
        f"Procountor error {code} (not in the catalogue yet).",
        "Katso virheen kenttä ja viesti; ilmoita koodi integraation ylläpidolle.",
        "See the error's field and message; report the code to the integration's maintainers.",
        FixWhere.INTEGRATION,
    )


def describe(code: str, language: str = "en") -> str:
    entry = lookup(code)
    return entry.fi if language == "fi" else entry.en


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def catalogue_markdown() -> str:
    """The whole catalogue as one Markdown page (docs/error-catalogue.md is this text, checked by a test)."""
    lines = [
        "# Error catalogue",
        "",
        "Generated from the code by `python -m taimer_procountor.errors --markdown`; do not edit by hand (a test "
        "fails when this file differs from what the code generates). Every code the integration raises or "
        "Procountor may answer, with its Finnish and English text, the fix and where to make it. "
        "*where*: `taimer`, `procountor`, `integration` (connections, configuration) or `transient` (nothing to "
        "fix: a retry or the next run resolves it).",
        "",
        "| code | where | retryable | English | Suomeksi | fix | korjaus |",
        "|---|---|---|---|---|---|---|",
    ]
    for entry in CATALOGUE.values():
        lines.append(
            f"| `{entry.code}` | {entry.fix_where.value} | {'yes' if entry.retryable else 'no'} | {_cell(entry.en)} "
            f"| {_cell(entry.fi)} | {_cell(entry.fix_en)} | {_cell(entry.fix_fi)} |"
        )
    return "\n".join(lines) + "\n"
