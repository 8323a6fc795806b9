"""Provisions: monetary benefits read from policy text, with character-span provenance.

Public API::

    extract_text(text, doc) -> list[dict]   # records per shared/spec/provisions.md
    extract_file(path) -> pandas.DataFrame  # columns PROVISION_COLUMNS, doc = file name
"""

from benchmark.provisions.extract import (
    PROVISION_COLUMNS,
    ProvisionExtractor,
    extract_file,
    extract_text,
    read_document,
)

__all__ = ["PROVISION_COLUMNS", "ProvisionExtractor", "extract_file", "extract_text", "read_document"]
