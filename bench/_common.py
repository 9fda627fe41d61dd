"""Shared helpers of the benchmarks: the ``--quick`` switch, timing, best-of-rounds and a plain-text table.

The benchmarks run as scripts (``.venv/bin/python bench/<name>.py``), so this module is imported as ``_common`` from
the script's own folder. Nothing here asserts on time: the benchmarks print numbers and ratios and exit 0.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PG_ADMIN_URL = os.environ.get("TP_TEST_PG_URL", "postgresql+psycopg2://root@127.0.0.1:5432/test")


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="smaller counts: the whole run takes under ~10 s")
    return parser.parse_args()


def banner(title: str, quick: bool) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"== {title} ({'quick' if quick else 'full'} run; {os.cpu_count()} CPUs, load {load:.2f}, "
        f"Python {platform.python_version()})"
    )


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``fn`` once: (seconds, its result)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best(times: Sequence[float]) -> float:
    """The fastest of several interleaved rounds: background load on a shared machine only ever adds time, so the
    minimum is the steadiest estimate of what the code itself costs (as ``timeit`` does)."""
    return min(times)


@contextmanager
def env(**values: str) -> Iterator[None]:
    """Set environment variables for the block (child processes started inside inherit them)."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print an aligned table; numbers right-aligned, text left-aligned."""
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], int | float) or row[i] == "" for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True))

    print(f"\n{title}")
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 10:
            return f"{value:.1f}"
        if abs(value) >= 0.1:
            return f"{value:.2f}"
        return f"{value:.2g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def pg_reachable() -> bool:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception as exc:  # any failure to connect means "absent" here
        print(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(exc).__name__}): SQLite only")
        return False


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A fresh, migrated ledger database (``backend`` "sqlite" or "postgresql"); removed afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from taimer_procountor.ledger import migrate

    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tp_bench_") as tmp:
            url = f"sqlite:///{Path(tmp) / 'ledger.sqlite'}"
            migrate(url)
            yield url
        return
    name = f"tp_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
