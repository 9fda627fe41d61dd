"""Write ``.env`` for docker-compose.yaml from ``.env.example``, with a random value for every empty secret.

    python scripts/make_env.py [--example .env.example] [--output .env]     (``make env`` runs it)

Refuses to overwrite an existing file (a new JWT secret or database password would lock the running stack out of
its own volumes). Needs only the standard library, so it runs before any virtualenv exists.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_LINE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")


def generate(name: str) -> str:
    """A fresh random value in the form ``name`` needs."""
    if name == "AIRFLOW__CORE__FERNET_KEY":
        return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")  # what Fernet.generate_key() makes
    if name == "TAIMER_PROCOUNTOR_PSEUDONYM_KEY":
        return secrets.token_hex(32)
    # URL-safe (letters, digits, - and _): the passwords go into connection URLs unescaped.
    return secrets.token_urlsafe(32)


def render(example: str, *, uid: int | None) -> str:
    """``example`` with every empty ``NAME=`` line filled: ``AIRFLOW_UID`` with ``uid``, any other with a random
    secret. Comments and set values are kept as they are."""
    out = []
    for line in example.splitlines():
        match = _LINE.match(line)
        if match and not match.group("value"):
            name = match.group("name")
            if name == "AIRFLOW_UID":
                line = f"{name}={uid}" if uid is not None else f"{name}=50000"
            else:
                line = f"{name}={generate(name)}"
        out.append(line)
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", type=Path, default=ROOT / ".env.example")
    parser.add_argument("--output", type=Path, default=ROOT / ".env")
    args = parser.parse_args(argv)
    if args.output.exists():
        print(f"{args.output} exists: not overwritten (delete it first to make a new one)", file=sys.stderr)
        return 1
    uid = os.getuid() if hasattr(os, "getuid") else None
    text = render(args.example.read_text(encoding="utf-8"), uid=uid)
    # Created private (0600) from the start: the file holds every secret of the stack.
    fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"wrote {args.output} with random secrets (keep it out of git)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
