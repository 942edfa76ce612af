"""What the browser tests share: where things are, screenshots, axe, PDFs."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

try:
    from playwright.sync_api import expect
except ImportError:  # The `browser` fixture then skips every test, saying why.
    expect = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "e2e"
# axe impacts that fail a page; "minor" and "moderate" ones are printed only.
BLOCKING_IMPACTS = {"serious", "critical"}


@dataclass
class Screenshots:
    """Numbered full-page screenshots of one journey: 01-signed-in.png, ..."""

    page: object
    folder: Path
    taken: list[Path] = field(default_factory=list)

    @classmethod
    def for_journey(cls, page, journey: str) -> Screenshots:
        folder = ARTIFACTS / journey
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return cls(page, folder)

    def __call__(self, name: str, page=None) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page = page or self.page
        # From the top, so the sticky step list is drawn where it belongs.
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


def axe_violations(page, axe_script: str) -> list[dict]:
    """Run axe-core on the page as it is now; its serious and critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=axe_script)
    results = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, nodes: v.nodes.map(n => ({target: n.target,"
        " summary: n.failureSummary}))})))"
    )
    return [v for v in results if v["impact"] in BLOCKING_IMPACTS]


def assert_accessible(page, axe_script: str, where: str = "") -> None:
    """Fail with every serious or critical axe violation, printed in full."""
    violations = axe_violations(page, axe_script)
    assert not violations, (
        f"axe found {len(violations)} serious/critical violation(s) on "
        f"{where or page.url}:\n{json.dumps(violations, indent=2)}"
    )


def sign_in(page, email: str, password: str, path: str = "/profiles/") -> None:
    """Sign in through the portal's login form, as a person types it."""
    page.goto(path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_to_admin(page, email: str, password: str) -> None:
    """Sign in through the admin's own login form."""
    page.goto("/admin/")
    page.get_by_label("Username").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)",
            selector,
        ):
            return
    raise AssertionError(f"{selector} was not reached with {limit} Tab presses")


def make_pdf(path: Path, lines: list[str], pad_to: int = 0) -> Path:
    """Write a one-page PDF showing `lines`; `pad_to` bytes pads it with an image."""
    text = "\n".join(
        f"BT /F1 14 Tf 72 {760 - 22 * i} Td ({_pdf_escape(line)}) Tj ET"
        for i, line in enumerate(lines)
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>",
        _stream(text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        _image(pad_to),
    ]
    body = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    body += b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(body))
    return path


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _image(size: int) -> bytes:
    """A grey image, never drawn, whose pixels make the file about `size` long."""
    side = max(1, int(size**0.5))
    extra = b" /Type /XObject /Subtype /Image /Width %d /Height %d" % (side, side)
    extra += b" /ColorSpace /DeviceGray /BitsPerComponent 8"
    return _stream(os.urandom(side * side), extra)


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
