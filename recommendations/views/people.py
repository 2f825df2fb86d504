"""Authorities (their rule for when responses are due) and their people: adding, editing and
merging duplicates. Scrutiny officers do this here rather than in the admin."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst

from recommendations import access, forms, rules, services
from recommendations.models import (
    Authority,
    Lead,
    Person,
    ProgressUpdate,
    ReminderSent,
    Review,
    UpdateReport,
)
from recommendations.views.common import form_page, save_or_show_errors, saved_copy


def safe_next(request: HttpRequest) -> str | None:
    """Where to go back to after adding something on the way (``?next=``): a path on this
    site only, never another site or a scheme-relative address."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return target


def _with_param(url: str, name: str, value: str) -> str:
    """``url`` with ``name=value`` in its query (replacing any ``name`` already there)."""
    parts = urlsplit(url)
    kept = [piece for piece in parts.query.split("&") if piece and not piece.startswith(f"{name}=")]
    query = "&".join([*kept, urlencode({name: value})])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def authority_list(request: HttpRequest) -> HttpResponse:
    access.require(request, "view_authority")
    return render(
        request,
        "recommendations/authority_list.html",
        {"authorities": Authority.objects.prefetch_related("committees"), "nav": "reviews"},
    )


def authority_create(request: HttpRequest) -> HttpResponse:
    """Also reached from "Start a review" (``?next=``), which it returns to with the new
    authority chosen."""
    access.require(request, "add_authority")
    form = forms.AuthorityForm(request.POST or None)
    next_url = safe_next(request)
    if request.method == "POST" and form.is_valid():
        authority = save_or_show_errors(
            form, lambda: services.authority_create(authority=form.instance, user=request.user)
        )
        if authority is not None:
            messages.success(request, f"{authority.name} added.")
            if next_url:
                return redirect(_with_param(next_url, "authority", authority.slug))
            return redirect("recommendations:authority_list")
    return form_page(
        request, "recommendations/authority_form.html", form, next_url=next_url, nav="reviews"
    )


def authority_settings(request: HttpRequest, slug: str) -> HttpResponse:
    authority = access.authority_for(request, slug, permission="change_authority")
    form = forms.AuthorityForm(request.POST or None, instance=authority)
    context = {"authority": authority, "nav": "reviews"}
    if request.method == "POST" and form.is_valid():
        if save_or_show_errors(
            form,
            lambda: services.authority_update(
                authority=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        ):
            messages.success(request, f"{authority.name}: settings saved.")
            return redirect("recommendations:authority_list")
        if form.had_conflict:
            context["saved"] = saved_copy(authority)
    return form_page(request, "recommendations/authority_form.html", form, **context)


def people_list(request: HttpRequest, slug: str) -> HttpResponse:
    authority = access.authority_for(request, slug, permission="view_person")
    people = Person.objects.filter(authority=authority).select_related("merged_into")
    return render(
        request,
        "recommendations/people_list.html",
        {
            "authority": authority,
            "people": [person for person in people if not person.merged_into_id],
            "merged": [person for person in people if person.merged_into_id],
            "unassigned": Person.objects.current().filter(authority__isnull=True),
            "nav": "reviews",
        },
    )


def person_create(request: HttpRequest, slug: str) -> HttpResponse:
    authority = access.authority_for(request, slug, permission="add_person")
    form = forms.PersonForm(request.POST or None, authority=authority)
    next_url = safe_next(request)
    if request.method == "POST" and form.is_valid():
        person = save_or_show_errors(
            form, lambda: services.person_create(person=form.instance, user=request.user)
        )
        if person is not None:
            messages.success(request, f"{person.name} added.")
            return redirect(next_url or reverse("recommendations:people_list", args=[slug]))
    return form_page(
        request, "recommendations/person_form.html", form,
        authority=authority, next_url=next_url, nav="reviews",
    )  # fmt: skip


def person_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    authority, person = access.person_for(request, slug, pk, permission="change_person")
    form = forms.PersonForm(request.POST or None, instance=person, authority=authority)
    context = {"authority": authority, "person": person, "nav": "reviews"}
    if request.method == "POST" and form.is_valid():
        if save_or_show_errors(
            form,
            lambda: services.person_update(
                person=form.instance,
                expected_version=form.cleaned_data["version"],
                user=request.user,
            ),
        ):
            messages.success(request, f"{person.name} saved.")
            return redirect("recommendations:people_list", slug=slug)
        if form.had_conflict:
            context["saved"] = saved_copy(person)
    return form_page(request, "recommendations/person_form.html", form, **context)


# How the confirmation step names each relation; one added later shows as "model: field".
LINK_LABELS = {
    (Lead, "person"): "Leads on recommendations",
    (Review, "lead_cabinet_member"): "Reviews, as lead Cabinet member",
    (Review, "lead_director"): "Reviews, as lead director",
    (UpdateReport, "author"): "Update reports, as author",
    (UpdateReport, "authorised_by"): "Update reports, as authoriser",
    (UpdateReport, "contributors"): "Update reports, as contributor",
    (ProgressUpdate, "author"): "Progress updates, as author",
    (ReminderSent, "person"): "Reminders sent",
    (Person, "merged_into"): "Records merged into this one before",
}


def _links(person: Person) -> list[tuple[str, int]]:
    """What names this person, relation by relation, for the confirmation step."""
    counts = []
    for link in rules.person_links():
        count = link.model._default_manager.filter(**{link.field: person}).count()
        if count:
            label = LINK_LABELS.get((link.model, link.field)) or capfirst(link.label)
            counts.append((label, count))
    return counts


def person_merge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Two steps: choose the record to keep (a GET form, ``?keep=``), then confirm (POST),
    having seen both records and what will move. The confirmation carries both versions, so a
    change to either meanwhile is refused, not merged unseen."""
    authority, duplicate = access.person_for(request, slug, pk, permission="change_person")
    if request.method == "POST":
        data = request.POST
    else:
        data = request.GET if "keep" in request.GET else None
    form = forms.MergeForm(data, duplicate=duplicate, authority=authority)
    context = {
        "authority": authority, "duplicate": duplicate, "nav": "reviews",
        "duplicate_links": _links(duplicate),
    }  # fmt: skip
    keep = form.cleaned_data["keep"] if form.is_bound and form.is_valid() else None
    if keep is not None and (problems := rules.merge_errors(keep, duplicate)):
        _show(form, ValidationError(problems))
        keep = None
    if keep is not None and request.method == "POST":
        try:
            result = services.merge_people(
                keep=keep, duplicate=duplicate,
                expected_keep_version=form.cleaned_data["keep_version"] or 0,
                expected_duplicate_version=form.cleaned_data["duplicate_version"] or 0,
                user=request.user,
            )  # fmt: skip
        except services.EditConflict:
            form.add_error(
                None,
                "One of these records has changed since you opened this page, so nothing was "
                "merged. Check them below and merge again.",
            )
            duplicate.refresh_from_db()
            keep.refresh_from_db()
            context["duplicate_links"] = _links(duplicate)
        except ValidationError as error:
            _show(form, error)
            keep = None
        else:
            moved = sum(result.moved.values())
            messages.success(
                request,
                f"{duplicate.name} merged into {keep}: {moved} link{pluralize(moved)} moved. "
                "The merged record stays in the history.",
            )
            return redirect("recommendations:people_list", slug=slug)
    if keep is not None:
        context |= {
            "keep": keep,
            "keep_links": _links(keep),
            "confirm": {"keep": keep.pk, "keep_version": keep.version,
                        "duplicate_version": duplicate.version},
        }  # fmt: skip
    return render(request, "recommendations/person_merge.html", {"form": form, **context})


def _show(form: forms.MergeForm, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
