from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from recommendations import services
from recommendations.models import Person
from recommendations.roles import CLERKS, COMMISSION_MEMBERS, LEADS, SCRUTINY_OFFICERS

DEMO_PASSWORD = "tracker-demo"
DEMO_USERS = {
    "officer": SCRUTINY_OFFICERS,
    "member": COMMISSION_MEMBERS,
    "clerk": CLERKS,
    "lead": LEADS,
    "admin": None,
}
# The demo lead is the person who leads most of Hackney's recommendations.
DEMO_LEAD_REVIEW = "hackney-school-exclusions"
DEMO_LEAD_EMAIL = "lead@example.org"


class Command(BaseCommand):
    help = (
        "Create the demo accounts (officer, member, clerk, lead, admin). Refuses unless DEBUG "
        "is on."
    )

    def handle(self, *args, **options) -> None:
        # A known password must never reach a production database.
        if not settings.DEBUG:
            raise CommandError("Demo users are only created when DEBUG is on.")
        # Accounts and groups are Django's auth models, not the scrutiny record, so they are
        # written here rather than through ``services`` (no rules, versions or history).
        for username, group_name in DEMO_USERS.items():
            user, created = User.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = group_name is None
            user.save()
            if group_name:
                user.groups.set([Group.objects.get(name=group_name)])
            self.stdout.write(f"{'created' if created else 'updated'} demo user {username}")
        self._link_lead(User.objects.get(username="lead"))

    def _link_lead(self, account: User) -> None:
        person = (
            Person.objects.current()
            .filter(leads__recommendation__review__slug=DEMO_LEAD_REVIEW)
            .annotate(led=Count("leads"))
            .order_by("-led", "pk")
            .first()
        )
        if person is None:
            self.stdout.write("no demo data: the lead account is linked to no one")
            return
        if not person.email:
            person.email = DEMO_LEAD_EMAIL
            person = services.person_update(
                person=person, expected_version=person.version, user=None
            )
        services.person_link_account(person=person, account=account, user=None)
        self.stdout.write(f"demo user lead is {person.name}")
