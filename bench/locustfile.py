"""What the council's users do in a working week, compressed: members read, officers post
updates, clerks download appendices and committee packs (about 1 user in 6 is a clerk).

Run by bench/load.py; on its own: locust -f bench/locustfile.py --host http://127.0.0.1:8000
with BENCH_PASSWORD set to the bench users' password. With BENCH_TIMINGS set to a file name,
every request is also written there (start time, name, milliseconds, failed), so that
bench/load.py can leave the sign-in burst out of the overall percentiles; with
BENCH_STEADY_SECONDS, the run ends that long after the last sign-in.
"""

import csv
import os
import random
import re
import time

import gevent
from locust import HttpUser, between, events, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PASSWORD = os.environ.get("BENCH_PASSWORD", "")
STEADY_SECONDS = float(os.environ.get("BENCH_STEADY_SECONDS", 0))
_SIGNED_IN = 0
DEMO = "hackney-school-exclusions"
HACKNEY_LABELS = [str(n) for n in range(1, 19)]
DEMO_REVIEWS = [DEMO, "east-sussex-school-exclusions", "buckinghamshire-permanent-exclusions"]
PACK_LINK = re.compile(r'href="(/meetings/\d+/pack\.pdf)"')

if os.environ.get("BENCH_TIMINGS"):
    _timings_file = open(os.environ["BENCH_TIMINGS"], "a", newline="", buffering=1)  # noqa: SIM115
    _timings = csv.writer(_timings_file)

    @events.request.add_listener
    def _record(name: str, response_time: float, exception: Exception | None, **kwargs) -> None:
        started = time.time() - response_time / 1000
        _timings.writerow([f"{started:.3f}", name, f"{response_time:.1f}", int(bool(exception))])


def sign_in(user: HttpUser, username: str) -> None:
    page = user.client.get("/accounts/login/", name="login page")
    token = CSRF.search(page.text).group(1)
    response = user.client.post(
        "/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/"},
        name="sign in",
    )
    if "/accounts/login/" in response.url:
        raise RuntimeError(f"{username} could not sign in")
    _signed_in(user)


def _signed_in(user: HttpUser) -> None:
    """With BENCH_STEADY_SECONDS set, the run ends that many seconds after the last user has
    signed in: every user signs in at once, which keeps the cores busy hashing passwords for
    a while that grows with the users, so a fixed run time would leave a varying (at 60
    users on 2 cores, no) time for everything else."""
    global _SIGNED_IN
    _SIGNED_IN += 1
    options = user.environment.parsed_options
    if STEADY_SECONDS and options and options.num_users == _SIGNED_IN:
        gevent.spawn_later(STEADY_SECONDS, user.environment.runner.quit)


# 15 : 5 : 4, so that 4 users in 24 (1 in 6) are clerks and members outnumber officers 3 to 1.
class Member(HttpUser):
    weight = 15
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        sign_in(self, "bench-member")

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(2)
    def review_list(self) -> None:
        self.client.get("/reviews/", name="review list")

    @task(4)
    def review(self) -> None:
        self.client.get(f"/reviews/{DEMO}/", name="review page")

    @task(3)
    def recommendation(self) -> None:
        label = random.choice(HACKNEY_LABELS)
        self.client.get(f"/reviews/{DEMO}/recommendations/{label}/", name="recommendation page")

    @task(2)
    def appendix(self) -> None:
        self.client.get(f"/reviews/{DEMO}/appendix/", name="appendix")

    @task(2)
    def search(self) -> None:
        term = random.choice(["exclusion", "schools", "pilot", "guidance", "parents"])
        self.client.get(f"/recommendations/?q={term}", name="recommendation search")


class Officer(HttpUser):
    weight = 5
    wait_time = between(1, 3)

    def on_start(self) -> None:
        sign_in(self, "bench-officer")

    @task(3)
    def read(self) -> None:
        self.client.get(f"/reviews/{DEMO}/", name="review page")

    @task(1)
    def post_update(self) -> None:
        label = random.choice(HACKNEY_LABELS)
        url = f"/reviews/{DEMO}/recommendations/{label}/updates/new/"
        form = self.client.get(url, name="update form")
        token = CSRF.search(form.text).group(1)
        with self.client.post(
            url,
            {
                "csrfmiddlewaretoken": token,
                "as_at": "2024-06-30",
                "as_at_precision": "day",
                "status": "in_progress",
                "timescale": "Ongoing (termly)",
                "text": "Load test update: the working group met and agreed next steps.",
            },
            name="post update",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"update not saved: {response.status_code}")


class Clerk(HttpUser):
    """Reads, then downloads what goes into committee papers: appendix PDFs (rendered, or from
    the cache when the data is unchanged), CSV and XLSX, and a meeting's pack (small enough to
    be rendered within the request)."""

    weight = 4
    wait_time = between(2, 5)

    def on_start(self) -> None:
        sign_in(self, "bench-clerk")
        page = self.client.get(f"/reviews/{DEMO}/", name="review page")
        self.pack = PACK_LINK.search(page.text).group(1)

    @task(3)
    def read(self) -> None:
        self.client.get(f"/reviews/{random.choice(DEMO_REVIEWS)}/appendix/", name="appendix")

    @task(1)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(2)
    def appendix_pdf(self) -> None:
        slug = random.choice(DEMO_REVIEWS)
        self.client.get(f"/reviews/{slug}/appendix.pdf", name="appendix PDF")

    @task(1)
    def appendix_csv(self) -> None:
        slug = random.choice(DEMO_REVIEWS)
        self.client.get(f"/reviews/{slug}/appendix.csv", name="appendix CSV")

    @task(1)
    def appendix_xlsx(self) -> None:
        slug = random.choice(DEMO_REVIEWS)
        self.client.get(f"/reviews/{slug}/appendix.xlsx", name="appendix XLSX")

    @task(1)
    def meeting_pack(self) -> None:
        self.client.get(self.pack, name="meeting pack PDF")
