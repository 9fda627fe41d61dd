"""Seed-data generator: a consistent Taimer company and the matching Procountor company for the sandboxes.

``sandboxes.seed.attachments`` makes the attachment files and imports nothing else of the project, so the Taimer
sandbox can use it cheaply. The generator API is re-exported lazily here::

    from sandboxes.seed import generate, SeedConfig, Defect
    result = generate(SeedConfig(seed=42, sales_invoices=100))
    result.taimer, result.procountor, result.manifest

The CLI is ``python -m sandboxes.seed --help``; docs/seed.md describes both.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFECTS", "Defect", "SeedConfig", "SeedManifest", "SeedResult", "generate"]


def __getattr__(name: str) -> Any:
    if name in ("SeedConfig", "SeedManifest", "SeedResult", "generate"):
        from sandboxes.seed import generator

        return getattr(generator, name)
    if name in ("Defect", "DEFECTS"):
        from sandboxes.seed import defects

        return getattr(defects, name)
    raise AttributeError(name)
