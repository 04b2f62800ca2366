"""Text of a CSV export, in the encodings councils' exports come in: UTF-8 with or without a byte order mark, or
Windows-1252 (what Excel writes for "CSV" rather than "CSV UTF-8")."""

import codecs
import contextlib

from shared.ssda903_files.records import FileRejected


def _where(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return f"byte {offset} (line {line})"


def decode(file: str, data: bytes) -> str:
    if not data.strip():
        raise FileRejected(file, "the file is empty")
    # A NUL byte never belongs in a CSV export; it is how UTF-16 text looks read byte by byte, and Windows-1252
    # would read it without complaint.
    nul = data.find(b"\x00")
    if nul >= 0:
        raise FileRejected(file, f"{_where(data, nul)} is a NUL byte: save the file as CSV UTF-8 and send it again")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as error:
            offset = error.start + len(codecs.BOM_UTF8)
            raise FileRejected(file, f"it starts as UTF-8 but {_where(data, offset)} is not UTF-8") from None
    with contextlib.suppress(UnicodeDecodeError):  # not UTF-8: read as the Windows export it then is
        return data.decode("utf-8")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        reason = f"{_where(data, error.start)} is neither UTF-8 nor Windows-1252 text: save the file as CSV UTF-8"
        raise FileRejected(file, reason) from None
