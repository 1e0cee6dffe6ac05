"""The `impersonation` check: vendor mail from someone else, with lure language in six languages."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import REPO_ROOT, write_rules_dir

from scanner.api import Scanner
from scanner.models import Finding, ItemReport
from scanner.trust.lures import fold, load_lures

ScannerFactory = Callable[..., Scanner]


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    root = write_rules_dir(tmp_path / "rules", {"none.yar": "rule NEVER { condition: false }"})
    for name in ("brands.toml", "lures.toml"):
        shutil.copy(REPO_ROOT / "rules" / name, root / name)
    return root


@pytest.fixture
def scan(make_scanner: ScannerFactory, rules: Path) -> Callable[..., ItemReport]:
    def run(sender: str, subject: str, body: str, ctype: str = "text/html") -> ItemReport:
        data = (f"From: {sender}\nTo: r@example.org\nSubject: {subject}\nMIME-Version: 1.0\n"
                f"Content-Type: {ctype}; charset=utf-8\n\n{body}\n")
        return make_scanner(rules).scan_bytes(data.replace("\n", "\r\n").encode("utf-8"), "m.eml")
    return run


def found(report: ItemReport) -> list[Finding]:
    return [f for f in report.findings if f.check == "impersonation"]


@pytest.mark.parametrize(("subject", "body"), [
    ("Your protection has expired", "Your McAfee subscription has expired. Renew now."),
    ("Ihr Schutz ist abgelaufen", "Ihr McAfee-Abonnement ist abgelaufen. Jetzt verlängern."),
    ("Uw bescherming is verlopen", "Uw McAfee-abonnement is verlopen. Verleng vandaag."),
    ("Votre abonnement a expiré", "Votre protection McAfee a expiré. Renouveler maintenant."),
    ("Su protección ha caducado", "Su suscripción de McAfee ha caducado. Renovar hoy."),
    ("La protezione è scaduta", "Il tuo abbonamento McAfee è scaduto. Rinnova oggi."),
])
def test_six_languages(scan: Callable[..., ItemReport], subject: str, body: str) -> None:
    report = scan('"McAfee" <support@shop-mailer.example>', subject, f"<p>{body}</p>")
    (f,) = found(report)
    assert f.id == "vendor_impersonation" and f.evidence["brand"] == "mcafee"
    assert f.evidence["claim"] == "display_name" and "expired" in f.evidence["lure_categories"]


def test_same_words_from_the_vendor_or_without_lure_are_clean(scan: Callable[..., ItemReport]) -> None:
    body = '<p>Your McAfee subscription has expired.</p><a href="https://www.mcafee.com/renew">Renew</a>'
    assert not found(scan('"McAfee" <noreply@mcafee.com>', "Your protection has expired", body))
    assert not found(scan('"McAfee" <a@shop-mailer.example>', "Hello", "<p>Thanks for your order of socks.</p>"))
    # every link goes to the brand itself: a forwarded vendor mail, not a lure
    assert not found(scan('"Bob" <bob@example.org>', "Fwd: McAfee protection has expired", body))


@pytest.mark.parametrize("display", ["M\u200eca\u200efe\u200ee\u2122", "Mcafee\u00ae", "M\u0441Afee"])
def test_display_name_tricks_are_seen_through_and_reported(scan: Callable[..., ItemReport], display: str) -> None:
    sender = f"=?utf-8?b?{__import__('base64').b64encode(display.encode()).decode()}?= <s@shop-mailer.example>"
    (f,) = found(scan(sender, "Ihr Schutz ist abgelaufen", "<p>Jetzt verlängern.</p>"))
    assert f.evidence["brand"] == "mcafee" and f.evidence["tricks"]
    assert f.score == 50


def test_lookalike_or_ip_link_makes_it_malicious(scan: Callable[..., ItemReport]) -> None:
    body = '<p>Your Norton subscription has expired.</p><a href="https://norton-renewal-desk.com/x">Renew</a>'
    (f,) = found(scan('"Norton" <billing@shop-mailer.example>', "Protection disabled", body))
    assert f.id == "vendor_impersonation_link" and f.score >= 70 and "norton" in f.evidence["why"]
    (g,) = found(scan('"Antivirus alerts" <a@shop-mailer.example>', "Your antivirus subscription has expired",
                      '<a href="http://0x5fd32b32/r">Renew</a>'))
    assert g.id == "vendor_impersonation_link" and g.evidence["brand"] == ""


def test_subject_and_body_claims_need_a_strong_lure(scan: Callable[..., ItemReport]) -> None:
    # a tech newsletter naming Microsoft next to "renew" and "hackers" is not a lure
    assert not found(scan('"Tech Weekly" <news@tech.example>', "Microsoft patches",
                          "<p>Microsoft fixed bugs that hackers used. Renew your newsletter.</p>"))
    # a body-only claim counts for subscription brands (security), not for Microsoft or Mozilla
    assert not found(scan('"Distro" <d@distro.example>', "Updates",
                          "<p>Mozilla needs to be updated on all desktops.</p>"))
    (f,) = found(scan('"Billing" <b@free.example>', "Order NP-1",
                      "Your Norton 360 has been renewed automatically. Amount charged: 399 USD.", "text/plain"))
    assert f.evidence["claim"] == "subject" or f.evidence["claim"] == "body"


@pytest.mark.parametrize("sender", ["", "undisclosed-recipients:;", '"McAfee" <>', "=?bad?q?x?= <@>"])
def test_odd_senders_never_crash(scan: Callable[..., ItemReport], sender: str) -> None:
    report = scan(sender, "Ihr McAfee-Schutz ist abgelaufen", "<p>Jetzt verlängern</p>")
    assert not [i for i in report.incomplete if i.reason == "check_error"]


def test_lure_language_is_data(tmp_path: Path) -> None:
    base = load_lures([REPO_ROOT / "rules"])
    text = fold("Il vostro scudo è spento")
    assert not base.is_lure(base.match(text))
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "lures.toml").write_text('[categories.expired]\nit = ["scudo e spento"]\n', encoding="utf-8")
    merged = load_lures([REPO_ROOT / "rules", extra])
    assert merged.is_lure(merged.match(text))


def test_fold_sees_what_a_reader_sees() -> None:
    assert fold("Y\u034fo\u034fu\u034fr  Protection\u00a0EXPIRED") == "your protection expired"
    assert fold("verlängern") == fold("verlangern") == "verlangern"
    assert fold("Mcafee\u2122") == "mcafee"
