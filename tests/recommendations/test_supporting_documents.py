import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from recommendations.models import SupportingDocument
from tests.factories import make_review

pytestmark = pytest.mark.django_db


def _document(name: str, size: int = 10, **kwargs) -> SupportingDocument:
    return SupportingDocument(
        title="Exclusion policy", file=SimpleUploadedFile(name, b"x" * size), **kwargs
    )


def test_a_policy_pdf_can_be_attached_to_a_review():
    document = _document("exclusion-policy.pdf", review=make_review())
    document.full_clean()
    document.save()
    assert document.file.name.endswith("exclusion-policy.pdf")


@pytest.mark.parametrize("name", ["payload.exe", "page.html", "script.js", "no-extension"])
def test_unsafe_or_unknown_file_types_are_refused(name):
    with pytest.raises(ValidationError) as error:
        _document(name, review=make_review()).full_clean()
    assert "file" in error.value.message_dict


def test_files_over_the_size_limit_are_refused_with_a_clear_message(settings):
    settings.SUPPORTING_DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as error:
        _document("minutes.pdf", size=4096, review=make_review()).full_clean()
    assert "The file is 4.0\xa0KB; the limit is 1.0\xa0KB." in error.value.messages


def test_a_document_belongs_to_a_review_or_a_meeting_not_neither():
    with pytest.raises(IntegrityError):
        _document("minutes.pdf").save()
