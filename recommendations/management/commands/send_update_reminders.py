from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from recommendations.reminders import HELP, send_reminders


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=14,
            help="Remind about updates due within this many days (default 14). Overdue ones "
            "are always included.",
        )

    def handle(self, *args, days: int, **options) -> None:
        if days < 0:
            days = 0
        emails, reminders = send_reminders(days=days, today=timezone.localdate())
        self.stdout.write(f"Sent {emails} email(s) covering {reminders} reminder(s).")
