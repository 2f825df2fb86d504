"""What 20 people do in a working week, compressed: members read, officers post updates.

Run by bench/load.py; on its own: locust -f bench/locustfile.py --host http://127.0.0.1:8000
with BENCH_PASSWORD set to the bench users' password.
"""

import os
import random
import re

from locust import HttpUser, between, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PASSWORD = os.environ.get("BENCH_PASSWORD", "")
DEMO = "hackney-school-exclusions"
HACKNEY_LABELS = [str(n) for n in range(1, 19)]


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


class Member(HttpUser):
    weight = 3
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
    weight = 1
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
