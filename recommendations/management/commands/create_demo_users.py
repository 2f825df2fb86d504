from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError

from recommendations.roles import CLERKS, COMMISSION_MEMBERS, SCRUTINY_OFFICERS

DEMO_PASSWORD = "tracker-demo"
DEMO_USERS = {
    "officer": SCRUTINY_OFFICERS,
    "member": COMMISSION_MEMBERS,
    "clerk": CLERKS,
    "admin": None,
}


class Command(BaseCommand):
    help = "Create the demo accounts (officer, member, clerk, admin). Refuses unless DEBUG is on."

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
