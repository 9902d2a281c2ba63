"""Serving stored bytes as a download."""

from __future__ import annotations

from urllib.parse import quote

from pyramid.response import Response


def file_response(
    data: bytes, content_type: str, filename: str, *, inline: bool = False, private: bool = False
) -> Response:
    """The bytes with a UTF-8 file name (RFC 5987), and no content sniffing by the browser."""
    response = Response(body=data, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response.content_disposition = f"{disposition}; filename*=UTF-8''{quote(filename, safe='')}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if private:
        response.cache_control = "private, no-store"
    return response
