"""docs/error-catalogue.md is generated from the code: the committed file must equal what the code generates, and
the command that writes it works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from taimer_procountor.errors import CATALOGUE
from taimer_procountor.errors.catalogue import catalogue_markdown

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "error-catalogue.md"


def test_the_committed_page_is_what_the_code_generates():
    assert PAGE.read_text(encoding="utf-8") == catalogue_markdown(), (
        "docs/error-catalogue.md is stale: run `python -m taimer_procountor.errors --markdown` and commit it"
    )


def test_the_table_has_one_line_per_code_with_both_languages():
    lines = [line for line in catalogue_markdown().splitlines() if line.startswith("| `")]
    assert len(lines) == len(CATALOGUE)
    for line, entry in zip(lines, CATALOGUE.values(), strict=True):
        assert line.startswith(f"| `{entry.code}` | {entry.fix_where.value} |")
        assert entry.fi.replace("|", "\\|") in line and entry.en.replace("|", "\\|") in line


def test_sandbox_chosen_procountor_codes_are_catalogued():
    sandbox_codes = {
        "ERROR_VAT_PERCENTAGE",
        "ERROR_BANK_ACCOUNT",
        "ERROR_BANK_REFERENCE_CODE",
        "INVALID_CHARACTERS",
        "ERROR_VERSION_CONFLICT",
        "DIMENSION_VALUES_DO_NOT_MATCH_TRANSACTION_VALUE",
        "ERROR_PRODUCT_NOT_FOUND",
        "ERROR_PERSON_NOT_FOUND",
    }
    documented = (ROOT / "docs" / "sandbox-procountor.md").read_text(encoding="utf-8")
    assert all(f"`{code}`" in documented for code in sandbox_codes)  # the list above is the sandbox's own
    assert sandbox_codes <= set(CATALOGUE)


def test_the_command_writes_the_page(tmp_path):
    out = tmp_path / "catalogue.md"
    done = subprocess.run(
        [sys.executable, "-m", "taimer_procountor.errors", "--markdown", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == catalogue_markdown()
