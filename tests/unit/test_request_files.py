"""Temporary files WebOb opens for a request are closed when the request is done."""

from pyramid.request import Request

from disclosure.boundary import close_request_files


def multipart_request(file_bytes: bytes, text: str) -> Request:
    boundary = "----disclosure-test"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="note"\r\n\r\n'
            f"{text}\r\n"
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="upload"; filename="scan.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + file_bytes
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = Request.blank("/apply", method="POST", body=body)
    request.content_type = f"multipart/form-data; boundary={boundary}"
    return request


def test_uploaded_files_and_a_spooled_body_are_closed():
    request = multipart_request(b"%PDF-1.4 " + b"x" * 50_000, "申请说明" * 500)
    request.request_body_tempfile_limit = 1024  # the 50 kB body goes to a temporary file
    upload = request.POST["upload"]
    assert request.POST["note"] == "申请说明" * 500
    assert upload.file.read(8) == b"%PDF-1.4"
    spooled = request.environ["wsgi.input"]
    assert not upload.file.closed and not spooled.closed

    close_request_files(request)

    assert upload.file.closed
    assert spooled.closed


def test_a_request_without_a_parsed_form_is_left_alone():
    request = Request.blank("/search")
    close_request_files(request)  # nothing parsed, nothing spooled: no error
    assert "webob._parsed_post_vars" not in request.environ
