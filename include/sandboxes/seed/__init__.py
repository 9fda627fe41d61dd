"""Seed-data generator: a consistent Taimer company and the matching Procountor company for the sandboxes.

``sandboxes.seed.attachments`` makes the attachment files (importable on its own, without the generator's
dependencies). The generator API (``generate``, ``SeedConfig``, ``SeedResult``, ``Defect``) lives in
``sandboxes.seed.generator``; the CLI is ``python -m sandboxes.seed``.
"""
