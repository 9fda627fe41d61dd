"""``python -m taimer_procountor.errors --markdown [--output PATH]``: write the catalogue as a Markdown table
(default ``docs/error-catalogue.md`` under the current directory; ``--output -`` prints it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from taimer_procountor.errors.catalogue import catalogue_markdown

DEFAULT_OUTPUT = Path("docs") / "error-catalogue.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m taimer_procountor.errors", description=__doc__)
    parser.add_argument("--markdown", action="store_true", help="write the catalogue as a Markdown table")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="file to write, or - for standard output")
    args = parser.parse_args(argv)
    if not args.markdown:
        parser.print_help()
        return 2
    text = catalogue_markdown()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        path = Path(args.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {len(text.splitlines())} lines to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
