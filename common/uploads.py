"""File uploads with very long names: read, and the name shortened, never refused with a bare
400 or a 500 (decision 0017).

Django reads at most 1 KB of a multipart part's headers and answers a bare 400 for more; a
file's name travels in those headers, so a name of a few hundred characters in a non-Latin
script, or of ten thousand in any, lost the whole form. `read_long_part_headers` (called once,
by the incidents app, which holds the upload pages) lets the parser read up to 64 KB: room
for a 10,000-character name of 4-byte characters and the part's other headers. The uploaded
file then keeps a name of at most 255 characters (Django's `UploadedFile`), and the document
service keeps 200 with the extension (`clean_original_name`). Past 64 KB nothing of the form
can be read; the service's own 400 page says to give the file a shorter name.

`TemporaryFileUploadHandler` is Django's, except that the temporary file it streams a large
upload to takes no more than a short extension from the upload's name: Django named it
`tmpXXXX.upload<extension>`, and a 300-character "extension" made a name the file system
refuses (a 500).
"""

import os

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.core.files.uploadhandler import (
    TemporaryFileUploadHandler as DjangoTemporaryFileUploadHandler,
)
from django.http import multipartparser

PART_HEADER_MAX_BYTES = 64 * 1024
# How much of an extension the temporary file's name keeps (".docx" is the longest we take).
TEMPORARY_EXTENSION_MAX = 16


def read_long_part_headers(limit: int = PART_HEADER_MAX_BYTES) -> None:
    """Let Django's multipart parser read part headers of up to `limit` bytes (its own limit
    is 1 KB). The parser reads the module's constant each time it parses a part."""
    multipartparser.MAX_TOTAL_HEADER_SIZE = max(multipartparser.MAX_TOTAL_HEADER_SIZE, limit)


class TemporaryFileUploadHandler(DjangoTemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs):
        FileUploadHandler.new_file(self, *args, **kwargs)
        extension = os.path.splitext(self.file_name)[1][:TEMPORARY_EXTENSION_MAX]
        self.file = TemporaryUploadedFile(
            f"upload{extension}", self.content_type, 0, self.charset, self.content_type_extra
        )
        # The name the upload came with (Django keeps at most 255 characters of it).
        self.file.name = self.file_name
