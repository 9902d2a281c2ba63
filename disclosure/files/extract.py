"""Text of an attachment, for search: PDF (pypdf) and Word .docx (python-docx)."""

from __future__ import annotations

import io
import logging

log = logging.getLogger(__name__)

MAX_CHARS = 500_000


def extract_text(data: bytes, kind: str, media_type: str) -> str:
    """Best effort: an unreadable file gives "" (it is still stored and downloadable)."""
    try:
        if kind == "pdf":
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(data))
            text = "\n".join((page.extract_text() or "") for page in reader.pages)
        elif kind == "word" and media_type.endswith("wordprocessingml.document"):
            import docx

            document = docx.Document(io.BytesIO(data))
            text = "\n".join(p.text for p in document.paragraphs)
        else:
            return ""
    except Exception as exc:  # malformed files are common; never fail the upload for this
        log.info("could not extract text (%s): %s", kind, exc)
        return ""
    return text[:MAX_CHARS]
