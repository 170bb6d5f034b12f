"""The document upload form (SPEC W4). It checks only that something was chosen; the
service checks the file itself (type by content, size, virus scan) and audits refusals."""

from django import forms
from django.conf import settings

from common.forms import GovukBoundField

from .models import Document
from .services.documents import ALLOWED_TYPES_TEXT, megabytes


class GovukFileUploadBoundField(GovukBoundField):
    """The GOV.UK file upload control: `govuk-file-upload`, with its error modifier."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        classes = ["govuk-file-upload"]
        if self.errors:
            classes.append("govuk-file-upload--error")
        attrs["class"] = " ".join(classes)
        return attrs


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        # Empty files reach the service, which refuses them with its own message and audits
        # the refusal.
        allow_empty_file=True,
        error_messages={"required": "Select a file to upload."},
        bound_field_class=GovukFileUploadBoundField,
    )
    kind = forms.ChoiceField(
        label="What kind of document is it?",
        choices=Document.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of document this is."},
    )
    description = forms.CharField(
        label="Description (optional)",
        help_text="For example, the date of a letter or what a photograph shows.",
        required=False,
        max_length=Document._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": "Description must be %(limit_value)d characters or fewer.",
        },
    )

    # Browsers never send a chosen file again, so after any problem the file must be chosen
    # again; the user is told so next to the file control.
    CHOOSE_AGAIN = "Choose the file again."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = (
            f"A {ALLOWED_TYPES_TEXT} file, smaller than {megabytes(settings.DOCUMENT_MAX_BYTES)}."
        )

    def ask_to_choose_file_again(self) -> None:
        """After a problem with the form: say so on the file field (the browser has
        dropped the file the user chose)."""
        if self.files.get("file") is None:
            return
        if self.has_error("file"):
            self.errors["file"] = self.error_class(
                [f"{message} {self.CHOOSE_AGAIN}" for message in self.errors["file"]]
            )
        else:
            # The bound field copied the help text when it was made (during validation).
            self["file"].help_text = (
                f"{self.fields['file'].help_text} {self.CHOOSE_AGAIN} Files are not kept "
                "when there is a problem with the form."
            )
