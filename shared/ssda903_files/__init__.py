"""A pure reader of the SSDA903 return's files (CSV tables or the XML form) with row-level findings: no database,
settings or web framework, so the import pipeline, a CLI or a test can call it alike."""

from shared.ssda903_files.reader import read_return
from shared.ssda903_files.records import (
    ChildRecord,
    EpisodeRecord,
    FileRejected,
    Finding,
    ParsedReturn,
    RowRef,
)

__all__ = ["ChildRecord", "EpisodeRecord", "FileRejected", "Finding", "ParsedReturn", "RowRef", "read_return"]
