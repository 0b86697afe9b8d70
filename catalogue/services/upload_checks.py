"""Checks on uploaded files beyond their first bytes: safe, bounded file names that keep their
extension, and an inspection of Office documents (OOXML and ODF are ZIP archives) through the
ZIP central directory — entry count, total uncompressed size, compression ratio, encryption and
the parts every genuine document has.

Pure functions on names and bytes: no Flask, no database, nothing is ever decompressed except
the few bytes of an ODF ``mimetype`` entry.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from pathlib import PurePosixPath

MAX_FILENAME_LENGTH = 200
MAX_ZIP_ENTRIES = 5_000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
# Text-heavy XML compresses well (10-30x, a repetitive spreadsheet more); a zip bomb reaches
# hundreds or thousands. Below RATIO_CHECK_FROM bytes unpacked the ratio does not matter.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_FROM = 10 * 1024 * 1024

_UNSAFE_CHARACTERS = re.compile(r"[^\w.\- äöüÄÖÜß()]+")

# Parts without which the program that opened the file would refuse it.
_OOXML_PARTS = {
    "docx": ("[Content_Types].xml", "word/document.xml"),
    "xlsx": ("[Content_Types].xml", "xl/workbook.xml"),
    "pptx": ("[Content_Types].xml", "ppt/presentation.xml"),
}
_ODF_MIMETYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}

DAMAGED = "Die Datei ist beschädigt oder kein gültiges Office-Dokument."


def safe_filename(name: str, max_length: int = MAX_FILENAME_LENGTH) -> str:
    """A file name without path, control or special characters, at most ``max_length``
    characters; a long name is shortened before its extension, which is kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = PurePosixPath(name.replace("\\", "/")).name
    name = _UNSAFE_CHARACTERS.sub("_", name).strip(" .")
    if not name:
        return "anhang"
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 10:
        return name[:max_length].rstrip(" .") or "anhang"
    keep = max_length - len(extension) - 1
    return f"{stem[:keep].rstrip(' .') or 'anhang'}.{extension}"


def office_problem(extension: str, content: bytes) -> str | None:
    """The German reason why ``content`` is not an acceptable ``extension`` Office document, or
    None (also for extensions that are not Office formats)."""
    extension = extension.lower()
    if extension not in _OOXML_PARTS and extension not in _ODF_MIMETYPES:
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, EOFError):
        return DAMAGED
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            return "Das Dokument besteht aus ungewöhnlich vielen Teilen und wird nicht angenommen."
        total = sum(entry.file_size for entry in entries)
        if total > MAX_UNCOMPRESSED_BYTES:
            return (
                "Das Dokument wäre entpackt größer als "
                f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB und wird nicht angenommen."
            )
        if total > RATIO_CHECK_FROM and total > MAX_COMPRESSION_RATIO * len(content):
            return "Das Dokument ist ungewöhnlich stark komprimiert und wird nicht angenommen."
        if any(entry.flag_bits & 0x1 for entry in entries):
            return "Verschlüsselte Dokumente können nicht angenommen werden."
        names = {entry.filename for entry in entries}
        if extension in _OOXML_PARTS:
            if not all(part in names for part in _OOXML_PARTS[extension]):
                return f"Die Datei ist kein gültiges {extension}-Dokument."
            return None
        return _odf_problem(archive, names, extension)


def _odf_problem(archive: zipfile.ZipFile, names: set[str], extension: str) -> str | None:
    if "mimetype" not in names or "content.xml" not in names:
        return f"Die Datei ist kein gültiges {extension}-Dokument."
    info = archive.getinfo("mimetype")
    if info.file_size > 200:
        return DAMAGED
    try:
        mimetype = archive.read(info).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError, zlib.error):
        return DAMAGED
    if mimetype != _ODF_MIMETYPES[extension]:
        return "Der Inhalt der Datei passt nicht zu ihrer Endung."
    return None
