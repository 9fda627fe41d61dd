"""Taimer sandbox: ``python -m sandboxes.taimer --host 127.0.0.1 --port N``; ``create_app(settings=None)``."""

from sandboxes.taimer.app import create_app
from sandboxes.taimer.settings import TaimerSandboxSettings

__all__ = ["TaimerSandboxSettings", "create_app"]
