"""The error catalogue: every refusal the integration can make has one entry with a code, a Finnish and an English
description, and what to fix where. Codes come from Procountor (its validation codes) and from our own checks.

Each area keeps its codes in its own module (``codes_*.py``); ``catalogue.py`` assembles them. ``CodedError`` is the
base of every exception that carries one of these codes; ``DocumentError`` is a code raised against one document.
"""

from taimer_procountor.errors.catalogue import CATALOGUE, describe, lookup
from taimer_procountor.errors.coded import CodedError
from taimer_procountor.errors.document import DocumentError
from taimer_procountor.errors.entry import ErrorEntry, FixWhere

__all__ = ["CATALOGUE", "CodedError", "DocumentError", "ErrorEntry", "FixWhere", "describe", "lookup"]
