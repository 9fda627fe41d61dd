"""``python -m sandboxes.seed``: generate the seed companies, write them to a directory and/or load them into sandboxes.

Example::

    python -m sandboxes.seed --seed 42 --sales-invoices 100 --bills 20 --expense-reports 10 --travel-reports 5 \\
        --defect-share 0.1 --defects UNKNOWN_VAT_PERCENT,BANK_ACCOUNT_MISMATCH --google-drive --out var/seed \\
        --load-taimer http://127.0.0.1:8701 --load-procountor http://127.0.0.1:8702
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import date

import requests

from sandboxes.seed.defects import DEFECTS, parse_defects
from sandboxes.seed.generator import SeedConfig, SeedResult, generate


def _fixture_url(url: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith("/_control/fixture") else url + "/_control/fixture"


def post_fixture(url: str, body: str, timeout: float = 120.0) -> int:
    """POST a JSON document to a sandbox's ``/_control/fixture``; raises on a non-2xx answer. Returns the status."""
    response = requests.post(
        _fixture_url(url),
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/json"},
        timeout=(5.0, timeout),
    )
    if response.status_code >= 300:
        raise RuntimeError(f"{_fixture_url(url)} answered {response.status_code}: {response.text[:500]}")
    return response.status_code


def load(result: SeedResult, taimer_url: str | None = None, procountor_url: str | None = None) -> dict[str, int]:
    """Load the generated companies into running sandboxes (Procountor first: Taimer refers to its ids)."""
    done = {}
    if procountor_url:
        done["procountor"] = post_fixture(procountor_url, result.procountor_json())
    if taimer_url:
        done["taimer"] = post_fixture(taimer_url, result.taimer_json())
    return done


def build_parser() -> argparse.ArgumentParser:
    names = "\n".join(f"  {d.value:<40} {info.en}" for d, info in DEFECTS.items())
    p = argparse.ArgumentParser(
        prog="python -m sandboxes.seed",
        description="Generate a consistent Taimer company and the matching Procountor company (deterministic).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"defects:\n{names}",
    )
    p.add_argument("--seed", type=int, default=42, help="random seed (same seed, same bytes)")
    p.add_argument("--customers", type=int, default=20)
    p.add_argument("--projects", type=int, default=15)
    p.add_argument("--users", type=int, default=8)
    p.add_argument("--unmatched-users", type=int, default=0, help="extra users without a Procountor person ID")
    p.add_argument("--sales-invoices", type=int, default=100)
    p.add_argument("--bills", type=int, default=20, help="outbound bills typed into Taimer")
    p.add_argument("--inbound-bills", type=int, default=None, help="received purchase invoices in Procountor")
    p.add_argument("--expense-reports", type=int, default=10)
    p.add_argument("--travel-reports", type=int, default=5)
    p.add_argument("--defect-share", type=float, default=0.1, help="share of documents with a defect (0..1)")
    p.add_argument("--defects", default=None, help="comma-separated defect names (default: all document defects)")
    p.add_argument("--google-drive", action="store_true", help="the Taimer installation keeps attachments in Drive")
    p.add_argument("--attachment-share", type=float, default=0.3)
    p.add_argument("--einvoice-share", type=float, default=0.25)
    p.add_argument("--start-date", type=date.fromisoformat, default=date(2024, 6, 1))
    p.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 10, 31))
    p.add_argument("--invoice-start-number", type=int, default=10001)
    p.add_argument("--out", default=None, help="directory for taimer.json, procountor.json, manifest.json")
    p.add_argument("--load-taimer", default=None, metavar="URL", help="Taimer sandbox base URL to POST the dataset to")
    p.add_argument("--load-procountor", default=None, metavar="URL", help="Procountor sandbox base URL")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = SeedConfig(
            seed=args.seed,
            customers=args.customers,
            projects=args.projects,
            users=args.users,
            unmatched_users=args.unmatched_users,
            sales_invoices=args.sales_invoices,
            bills=args.bills,
            inbound_bills=args.inbound_bills,
            expense_reports=args.expense_reports,
            travel_reports=args.travel_reports,
            defect_share=args.defect_share,
            defects=parse_defects(args.defects),
            google_drive=args.google_drive,
            attachment_share=args.attachment_share,
            einvoice_share=args.einvoice_share,
            start_date=args.start_date,
            end_date=args.end_date,
            invoice_start_number=args.invoice_start_number,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    result = generate(config)
    elapsed = time.perf_counter() - started
    counts = ", ".join(f"{k}={v}" for k, v in result.manifest.counts.items())
    print(f"generated in {elapsed:.2f} s: {counts}")
    if result.manifest.defect_counts:
        print("defects: " + ", ".join(f"{k}={v}" for k, v in result.manifest.defect_counts.items()))
    if result.manifest.company:
        print("company defects: " + ", ".join(d.value for d in result.manifest.company))
    if result.manifest.not_planted:
        print("not planted (no document of a fitting kind): " + ", ".join(result.manifest.not_planted))
    if args.out:
        for name, path in result.write(args.out).items():
            print(f"wrote {name}: {path}")
    if args.load_taimer or args.load_procountor:
        try:
            for name, status in load(result, args.load_taimer, args.load_procountor).items():
                print(f"loaded {name}: HTTP {status}")
        except (requests.RequestException, RuntimeError) as exc:
            print(f"error: loading failed: {exc}", file=sys.stderr)
            return 1
    if not args.out and not (args.load_taimer or args.load_procountor):
        print("nothing written: give --out DIR and/or --load-taimer/--load-procountor URL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
