"""Supporting documents attached to a record."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from recommendations import filetypes
from recommendations.forms.common import SensibleDatesForm
from recommendations.models import SupportingDocument


class SupportingDocumentForm(SensibleDatesForm):
    """Attach a file to the record the view set on the instance. The file's type and size are
    checked by the model's validators (its content, not its name), and again by the service."""

    class Meta:
        model = SupportingDocument
        fields = ["title", "description", "file"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"file": "File"}
        error_messages = {
            "title": {"required": "Enter a title for the document."},
            "file": {
                "required": "Choose a file to attach.",
                "empty": "The file is empty. Choose the file again.",
                "invalid": "The file could not be read. Choose the file again.",
                "max_length": "The file's name is too long. Rename it and choose it again.",
            },
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit = filesizeformat(settings.SUPPORTING_DOCUMENT_MAX_BYTES)
        self.fields["file"].help_text = (
            f"{filetypes.ALLOWED_DESCRIPTION[0].upper()}{filetypes.ALLOWED_DESCRIPTION[1:]}; "
            f"up to {limit}."
        )
        # A hint for the browser's file chooser only: the content is what is checked.
        self.fields["file"].widget.attrs["accept"] = ",".join(
            f".{extension}" for extension in filetypes.ACCEPTED_EXTENSIONS
        )
        self.fields["title"].help_text = "As members should see it in lists and the pack."
