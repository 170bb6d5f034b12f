from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files with no public URL at all: they are only ever streamed by an access-checked
    view (SPEC W4). Asking for a URL is a programming error."""

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through the download view.")
