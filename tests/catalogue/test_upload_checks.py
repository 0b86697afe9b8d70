"""Upload checks: file names shortened before the extension, Office documents inspected through
the ZIP central directory (size, ratio, encryption, required parts), wired into attachments."""

from __future__ import annotations

import io
import zipfile

import pytest

from catalogue.errors import ValidationFailed
from catalogue.models import Role
from catalogue.services import contributions
from catalogue.services.upload_checks import (
    MAX_FILENAME_LENGTH,
    office_problem,
    safe_filename,
)
from tests.factories import PADERBORN, make_user, solution_input


def _zip(parts: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    return _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document>Hallo</w:document>",
            **(extra or {}),
        }
    )


def odt(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    return _zip({"mimetype": mimetype, "content.xml": b"<office:document-content/>"})


@pytest.mark.parametrize(
    "name,expected",
    [
        ("bericht.pdf", "bericht.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\Bericht 2024.docx", "Bericht 2024.docx"),
        ("   ", "anhang"),
        ("...", "anhang"),
        ("a<b>c|d.pdf", "a_b_c_d.pdf"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_long_names_keep_their_extension():
    name = safe_filename("x" * 300 + ".pdf")
    assert name.endswith(".pdf")
    assert len(name) == MAX_FILENAME_LENGTH


def test_genuine_office_documents_pass():
    assert office_problem("docx", docx()) is None
    assert office_problem("odt", odt()) is None
    assert office_problem("pdf", b"%PDF-1.7") is None  # not an Office format: not inspected


def test_a_zip_bomb_is_refused_by_its_central_directory():
    bomb = docx({"word/media/leer.bin": b"\0" * (120 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    assert "entpackt größer" in office_problem("docx", bomb)


def test_an_extreme_compression_ratio_is_refused():
    dense = docx({"word/media/leer.bin": b"\0" * (30 * 1024 * 1024)})
    assert "komprimiert" in office_problem("docx", dense)


def test_missing_parts_and_wrong_odf_types_are_refused():
    assert "kein gültiges xlsx" in office_problem("xlsx", docx())
    assert "passt nicht" in office_problem("ods", odt())
    assert "kein gültiges odt" in office_problem("odt", _zip({"content.xml": b"x"}))
    assert "beschädigt" in office_problem("docx", b"PK\x03\x04 kein zip")


def test_encrypted_entries_are_refused():
    data = bytearray(docx())
    # Set the "encrypted" flag of every central-directory entry.
    position = data.find(b"PK\x01\x02")
    while position != -1:
        data[position + 8] |= 0x1
        position = data.find(b"PK\x01\x02", position + 4)
    assert "Verschlüsselte" in office_problem("docx", bytes(data))


@pytest.fixture
def draft(municipalities):
    author = make_user(Role.CONTRIBUTOR, PADERBORN, "beitrag@paderborn.example")
    solution = contributions.create_solution(
        actor=author, data=solution_input(lead_municipality_ags=PADERBORN)
    )
    return author, solution


def test_a_pdf_with_a_300_character_name_is_accepted(draft):
    author, solution = draft
    attachment = contributions.add_attachment(
        actor=author,
        solution_id=solution.id,
        filename="Abschlussbericht " + "x" * 300 + ".pdf",
        stream=io.BytesIO(b"%PDF-1.7\n%%EOF"),
    )
    assert attachment.filename.endswith(".pdf")
    assert attachment.content_type == "application/pdf"


def test_an_office_zip_bomb_is_refused_as_an_attachment(draft):
    author, solution = draft
    with pytest.raises(ValidationFailed) as error:
        contributions.add_attachment(
            actor=author,
            solution_id=solution.id,
            filename="harmlos.docx",
            stream=io.BytesIO(docx({"word/media/leer.bin": b"\0" * (120 * 1024 * 1024)})),
        )
    assert "entpackt" in error.value.errors["attachment"]
    assert (
        contributions.add_attachment(
            actor=author, solution_id=solution.id, filename="echt.docx", stream=io.BytesIO(docx())
        ).filename
        == "echt.docx"
    )


def test_small_documents_may_compress_well():
    assert (
        office_problem(
            "xlsx",
            _zip(
                {
                    "[Content_Types].xml": b"<Types/>",
                    "xl/workbook.xml": b"<c>0</c>" * 500_000,  # 4 MB of one repeated cell
                }
            ),
        )
        is None
    )
