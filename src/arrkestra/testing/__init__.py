"""Fake upstream servers for tests, written from shared/specs.

They import nothing from arrkestra's core, adapters or pipelines, so a fake and the
client it tests cannot share a misreading of the spec.
"""
