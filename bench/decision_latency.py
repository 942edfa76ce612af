"""Submit-to-decision latency of a running portal, measured over HTTP.

    python bench/decision_latency.py http://127.0.0.1:8000 [rounds]

Signs in as the demo applicant, fills every wizard step, submits, and polls the
profile's status until the worker decides. Prints each latency and the median.
"""

from __future__ import annotations

import http.cookiejar
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
import uuid

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Browser:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar)
        )

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def post(self, path: str, fields: dict, files: dict | None = None) -> str:
        fields = {**fields, "csrfmiddlewaretoken": self.csrf()}
        body, content_type = encode(fields, files or {})
        request = urllib.request.Request(
            self.base + path,
            data=body,
            headers={"Content-Type": content_type, "Referer": self.base + path},
        )
        with self.opener.open(request, timeout=10) as response:
            return response.geturl()


def encode(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                f"\r\n\r\n{item}\r\n".encode()
            )
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


STEPS = {
    "general": {
        "business_name": "Latency Co",
        "website_url": "https://latency.example.com",
    },
    "business": {
        "business_identity": "direct_customer",
        "business_type": "Corporation",
        "business_industry": "TECHNOLOGY",
        "business_registration_identifier": "EIN",
        "business_registration_number": "12-3456789",
        "business_regions_of_operation": ["USA_AND_CANADA"],
    },
    "representatives": {
        "TOTAL_FORMS": "2",
        "INITIAL_FORMS": "0",
        "MIN_NUM_FORMS": "1",
        "MAX_NUM_FORMS": "2",
        "0-first_name": "Ada",
        "0-last_name": "Lovelace",
        "0-email": "ada@latency.example.com",
        "0-phone_number": "+14155550100",
        "0-business_title": "COO",
        "0-job_position": "Director",
        "1-first_name": "Grace",
        "1-last_name": "Hopper",
        "1-email": "grace@latency.example.com",
        "1-phone_number": "+14155550101",
        "1-business_title": "CTO",
        "1-job_position": "VP",
    },
    "address": {
        "customer_name": "Latency Co",
        "street": "375 Beale Street",
        "city": "San Francisco",
        "region": "CA",
        "postal_code": "94105",
        "iso_country": "US",
    },
    "documents": {"document_type": "utility_bill"},
    "notifications": {"email": "ops@latency.example.com", "status_callback": ""},
    "review": {},
}


def fill_and_submit(browser: Browser) -> str:
    browser.get("/profiles/secondary/new/")
    url = browser.post("/profiles/secondary/new/", {})
    sid = urllib.parse.urlsplit(url).path.split("/")[2]
    for step, data in STEPS.items():
        fields = {
            "wizard-current_step": step,
            **{f"{step}-{k}": v for k, v in data.items()},
        }
        files = {"documents-files": ("bill.pdf", PDF)} if step == "documents" else None
        browser.post(f"/profiles/{sid}/edit/{step}/", fields, files)
    return sid


def main(base: str, rounds: int) -> None:
    browser = Browser(base)
    browser.get("/accounts/login/")
    browser.post(
        "/accounts/login/",
        {"username": "applicant@example.com", "password": "demo12345!"},
    )
    latencies = []
    for _ in range(rounds):
        sid = fill_and_submit(browser)
        submitted = time.perf_counter()
        while '"pending-review"' in browser.get(f"/profiles/{sid}/status/")[1]:
            time.sleep(0.01)
        latencies.append(time.perf_counter() - submitted)
        status = re.search(
            r'"status": "([^"]+)"', browser.get(f"/profiles/{sid}/status/")[1]
        )
        print(f"{sid}: {status.group(1)} after {latencies[-1] * 1000:.0f} ms")
    print(f"median submit-to-decision: {statistics.median(latencies) * 1000:.0f} ms")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
