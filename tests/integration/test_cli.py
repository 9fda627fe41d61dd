"""The installed console script ``taimer-procountor`` (``pip install -e .`` puts it in the venv): each subcommand
run as a user would, in its own process, against a real SQLite ledger."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from taimer_procountor.errors import CATALOGUE, lookup
from taimer_procountor.ledger import connect, current
from taimer_procountor.ledger.migrate import head, migrate
from taimer_procountor.summary import FlowSummary, KindCounts, Outcome, Problem

SCRIPT = Path(sys.executable).parent / "taimer-procountor"


def run_cli(*args: str, env: dict[str, str] | None = None, tmp_home: Path) -> subprocess.CompletedProcess[str]:
    assert SCRIPT.exists(), f"{SCRIPT} is missing: pyproject.toml's console script is installed by `make venv`"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "TAIMER_PROCOUNTOR_"))}
    base.update(AIRFLOW_HOME=str(tmp_home), AIRFLOW__CORE__LOAD_EXAMPLES="False", **(env or {}))
    return subprocess.run([str(SCRIPT), *args], env=base, capture_output=True, text=True, timeout=180, check=False)


def test_help_names_every_subcommand_and_where_seeding_and_the_demo_live(tmp_path: Path) -> None:
    proc = run_cli("--help", tmp_home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for word in ("migrate", "report", "catalogue", "python -m sandboxes.seed", "python -m sandboxes.demo"):
        assert word in " ".join(proc.stdout.split()), word


def test_migrate_upgrades_the_url_given_and_the_airflow_connection(tmp_path: Path) -> None:
    explicit = tmp_path / "explicit.sqlite"
    proc = run_cli("migrate", "--url", f"sqlite:///{explicit}", tmp_home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith(f"{head()} (head {head()})")
    assert current(f"sqlite:///{explicit}") == head()
    # Without --url: the taimer_procountor_ledger connection, as the DAG tasks see it.
    via_connection = tmp_path / "from-connection.sqlite"
    conn = json.dumps({"conn_type": "generic", "extra": {"sqlalchemy_url": f"sqlite:///{via_connection}"}})
    proc = run_cli("migrate", env={"AIRFLOW_CONN_TAIMER_PROCOUNTOR_LEDGER": conn}, tmp_home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert current(f"sqlite:///{via_connection}") == head()
    assert str(via_connection) in proc.stdout


def _seed_runs(url: str) -> None:
    migrate(url)
    ledger = connect(url)
    start = datetime(2026, 11, 1, 1, 30, tzinfo=UTC)
    try:
        # An older and a newer run of the reference flow (FlowSummary in the record), one run of another flow with
        # plain counts (the shape older records have).
        for n, (kinds, errors) in enumerate(
            [
                ((KindCounts("products", {"extracted": 3}),), ()),
                (
                    (KindCounts("products", {"extracted": 40, "created": 2}), KindCounts("persons", {"invalid": 1})),
                    (Problem("REFERENCE_BANK_ACCOUNT_MISMATCH", "bank_accounts"),),
                ),
            ]
        ):
            run_id = f"scheduled__{n}"
            ledger.runs.start_run("procountor_reference_sync", run_id, "reference_sync", now=start + timedelta(days=n))
            summary = FlowSummary(
                "reference_sync",
                "procountor_reference_sync",
                run_id,
                Outcome.PARTIAL if errors else Outcome.SUCCESS,
                kinds=kinds,
                errors=errors,
            )
            ledger.runs.finish_run(
                "procountor_reference_sync",
                run_id,
                "reference_sync",
                summary.outcome.value,
                counts=summary.to_json(),
                now=start + timedelta(days=n, minutes=2),
            )
        ledger.runs.start_run("legacy_dag", "manual__1", "legacy_flow", now=start)
        ledger.runs.finish_run(
            "legacy_dag",
            "manual__1",
            "legacy_flow",
            "success",
            counts={"snapshot": {"vats": {"items": 7}}},
            now=start + timedelta(seconds=5),
        )
    finally:
        ledger.dispose()


def test_report_prints_the_latest_run_of_each_flow(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    _seed_runs(url)
    before = (tmp_path / "ledger.sqlite").read_bytes()
    proc = run_cli("report", "--url", url, tmp_home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "reference_sync: partial" in text and "scheduled__1" in text
    assert "scheduled__0" not in text, "only the latest run of each flow by default"
    assert "reference_sync: PARTIAL; extracted 40, created 2, invalid 1" in text  # FlowSummary.headline()
    assert "REFERENCE_BANK_ACCOUNT_MISMATCH [bank_accounts]" in text
    assert lookup("REFERENCE_BANK_ACCOUNT_MISMATCH").en in text
    assert "legacy_flow: success" in text and 'counts {"snapshot": {"vats": {"items": 7}}}' in text
    assert (tmp_path / "ledger.sqlite").read_bytes() == before, "report must not write the ledger"

    finnish = run_cli(
        "report", "--url", url, "--lang", "fi", "--flow", "reference_sync", "--runs", "2", tmp_home=tmp_path
    )
    assert finnish.returncode == 0, finnish.stderr
    assert lookup("REFERENCE_BANK_ACCOUNT_MISMATCH").fi in finnish.stdout
    assert "scheduled__0" in finnish.stdout and "legacy_flow" not in finnish.stdout

    as_json = run_cli("report", "--url", url, "--json", tmp_home=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    runs = json.loads(as_json.stdout)
    assert [(r["flow"], r["run_id"]) for r in runs] == [
        ("legacy_flow", "manual__1"),
        ("reference_sync", "scheduled__1"),
    ]
    assert runs[1]["summary"]["kinds"][0] == {"kind": "products", "counts": {"extracted": 40, "created": 2}}
    assert runs[0]["summary"] is None and runs[0]["counts"] == {"snapshot": {"vats": {"items": 7}}}


def test_report_on_a_missing_ledger_says_so_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.sqlite"
    proc = run_cli("report", "--url", f"sqlite:///{missing}", tmp_home=tmp_path)
    assert proc.returncode == 1 and "no ledger" in proc.stdout
    assert not missing.exists()


def test_catalogue_lists_every_code_and_renders_a_markdown_table(tmp_path: Path) -> None:
    plain = run_cli("catalogue", tmp_home=tmp_path)
    assert plain.returncode == 0, plain.stderr
    for code, entry in CATALOGUE.items():
        assert f"{code} [{entry.fix_where.value}" in plain.stdout
        assert entry.en in plain.stdout
    finnish = run_cli("catalogue", "--lang", "fi", tmp_home=tmp_path)
    assert all(entry.fix_fi in finnish.stdout for entry in CATALOGUE.values())
    markdown = run_cli("catalogue", "--markdown", tmp_home=tmp_path)
    assert markdown.returncode == 0, markdown.stderr
    from taimer_procountor.errors.catalogue import catalogue_markdown

    assert markdown.stdout == catalogue_markdown()  # the page docs/error-catalogue.md holds
    rows = [line for line in markdown.stdout.splitlines() if line.startswith("| `")]
    assert len(rows) == len(CATALOGUE)
    assert any(line.startswith("| `TAIMER_MALFORMED_ANSWER` | taimer | no |") for line in rows)
