"""The outbound package stays cheap to import (DAG files import it; GX, pandas and puremagic load only when a step
runs), and its docs page lists every validation rule with its code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from taimer_procountor.outbound.validate import RULES

ROOT = Path(__file__).resolve().parents[3]


def test_importing_the_steps_loads_no_heavy_module():
    code = (
        "import sys\n"
        "import taimer_procountor.outbound.context, taimer_procountor.outbound.transform\n"
        "import taimer_procountor.outbound.validate, taimer_procountor.outbound.attachments\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'great_expectations', 'pandas', 'puremagic'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_the_docs_page_lists_every_rule_with_its_code():
    page = (ROOT / "docs" / "outbound.md").read_text(encoding="utf-8")
    validation = page.split("## Validation", 1)[1]
    missing = [rule.code for rule in RULES if f"`{rule.code}`" not in validation]
    assert missing == []
