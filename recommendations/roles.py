"""The roles of the product, as Django groups with model permissions.

Groups are (re)synchronised after every ``migrate`` so that a new model's permissions reach
the right people without a hand-written data migration each time.
"""

from django.contrib.auth.models import Group, Permission

SCRUTINY_OFFICERS = "Scrutiny officers"
COMMISSION_MEMBERS = "Commission members"
CLERKS = "Clerks"
# The executive's officers who lead on recommendations and send their own updates. They have no
# model permissions: what they may see and write follows from the Person their account is
# linked to (``recommendations.access``), and they are kept to their own pages.
LEADS = "Leads"

DOMAIN_MODELS = [
    "authority", "committee", "person", "review", "recommendation", "response", "lead",
    "meeting", "updatereport", "progressupdate", "glossaryterm", "documentversion",
    "supportingdocument", "committeeverdict", "updaterequest", "requestedupdate",
]  # fmt: skip


def _codenames(actions: list[str], models: list[str]) -> list[str]:
    return [f"{action}_{model}" for action in actions for model in models]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Reopening a final report and publishing a review are the officers' call; clerks
    # finalise but cannot reopen.
    SCRUTINY_OFFICERS: _codenames(["view", "add", "change", "delete"], DOMAIN_MODELS)
    + ["export_review", "reopen_updatereport", "publish_review"]
    # API tokens: officers make them for anyone, see and revoke everyone's (``change``).
    + _codenames(["view", "add", "change"], ["apitoken"]),
    COMMISSION_MEMBERS: _codenames(["view"], DOMAIN_MODELS),
    CLERKS: _codenames(["view"], DOMAIN_MODELS)
    + _codenames(["add", "change"], ["meeting", "updatereport", "supportingdocument"])
    + ["export_review"],
    LEADS: [],
}


def sync_role_groups(**kwargs) -> None:
    # Groups and their permissions are Django's auth models, set after every migrate; they are
    # not the scrutiny record, so they are written here, not through ``services``.
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="recommendations", codename__in=codenames
        )
        group.permissions.set(permissions)
