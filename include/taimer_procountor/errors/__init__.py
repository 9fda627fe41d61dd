"""The error catalogue: every refusal the integration can make has one entry with a code, a Finnish and an English
description, and what to fix where. Codes come from Procountor (its validation codes) and from our own checks.

Each area keeps its codes in its own module (``codes_*.py``); ``catalogue.py`` assembles them.
"""

from taimer_procountor.errors.catalogue import CATALOGUE, describe, lookup
from taimer_procountor.errors.entry import DocumentError, ErrorEntry, FixWhere

__all__ = ["CATALOGUE", "DocumentError", "ErrorEntry", "FixWhere", "describe", "lookup"]
