#!/usr/bin/env python3
"""Build the vendor-impersonation mail samples (issue 15): fake antivirus renewal, "protection
expired" and auto-renewal invoice mails in six languages, and clean look-alikes.

Written from public descriptions of the campaigns (rules/lures.toml names them), not from the
measurement corpus.  Harmless text: hosts are documentation names (`.example`, RFC 5737 IPs) or
invented lookalikes that are written into text, never resolved or contacted.  Deterministic:
`python samples/build_vendor_mail.py [--check]`.
"""

from __future__ import annotations

import hashlib
import sys
from email.header import Header
from pathlib import Path

from sampleio import write_samples

HERE = Path(__file__).resolve().parent
MARK = "scamscan synthetic sample - harmless text, not malware"


def _mail(display: str, address: str, subject: str, html: str, date: str = "Mon, 03 Mar 2025 08:15:00 +0000",
          plain: str = "") -> bytes:
    """One message; display name and subject RFC 2047-encoded when they are not ASCII."""
    name = display if display.isascii() else Header(display, "utf-8").encode()
    subj = subject if subject.isascii() else Header(subject, "utf-8").encode()
    head = (f"From: \"{name}\" <{address}>\r\n" if display.isascii() else f"From: {name} <{address}>\r\n")
    mid = hashlib.sha256(address.encode()).hexdigest()[:12]
    head += (f"To: reader@example.org\r\nSubject: {subj}\r\nDate: {date}\r\n"
             f"Message-ID: <{mid}.vendor@example.org>\r\nMIME-Version: 1.0\r\n")
    if plain:
        return (head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + plain.replace("\n", "\r\n") + f"\r\n-- {MARK}\r\n").encode("utf-8")
    return (head + "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + html.replace("\n", "\r\n") + f"\r\n<!-- {MARK} -->\r\n").encode("utf-8")


FILES: dict[str, bytes] = {
    # German, invisible U+200E between the letters of the sender name, a trademark sign.
    "lures/mail/vendor/mcafee_expired_de.eml": _mail(
        "M\u200eca\u200efe\u200ee\u2122", "support@kundenservice-24.example",
        "Letzte Erinnerung: Ihr McAfee-Schutz ist abgelaufen",
        """<html><body><h2>McAfee&reg; Total Protection</h2>
<p>Sehr geehrter Kunde, Ihr Abonnement ist am 01.03.2025 abgelaufen. Ihre Ger&auml;te sind jetzt ungesch&uuml;tzt
vor Viren und Hackern.</p>
<p><a href="https://angebot-verlaengern.example/r/8812">Jetzt verl&auml;ngern und 80 % sparen</a></p>
</body></html>"""),
    # The callback form: no link, an "auto-renewal invoice" and a phone number; sender at a free-mail style host.
    "lures/mail/vendor/norton_autorenew_invoice.eml": _mail(
        "Billing Department", "billing.desk4471@freemail.example",
        "Your Norton 360 order confirmation #NP-40917-22",
        "", plain="""Dear customer,

Your subscription for Norton 360 Deluxe has been renewed automatically.
Amount charged: USD 399.99. The charge will appear on your statement within 48 hours.

If you did not authorise this payment, call our billing desk at +1 555 0100 within 24 hours.
"""),
    # English, link to an invented lookalike of the brand: malicious.
    "lures/mail/vendor/totalav_renewal_link.eml": _mail(
        "Total AV\u00ae", "offers@deals-mailer.example",
        "Your protection has expired - renew TotalAV today",
        """<html><body><p>Your TotalAV subscription has expired. Your device is unprotected against viruses,
ransomware and phishing.</p>
<p><a href="https://totalav-renewal-center.com/offer?id=221">Renew now with 85% discount</a></p>
</body></html>"""),
    # Dutch, no brand at all (a "security software" sender), link to a bare IP address: malicious.
    "lures/mail/vendor/antivirus_generic_nl.eml": _mail(
        "Antivirus Meldingen", "noreply@meldingen-centrum.example",
        "Uw bescherming is verlopen",
        """<html><body><p>Beste klant, uw antivirusabonnement is verlopen en uw apparaten zijn onbeschermd.</p>
<p><a href="http://192.0.2.45/verlengen">Verleng vandaag</a> en blijf beschermd tegen virussen.</p>
</body></html>"""),
    # French, sender name with a Cyrillic "о" in Bitdefender.
    "lures/mail/vendor/bitdefender_fr.eml": _mail(
        "Bitdef\u0435nder S\u0435curit\u00e9", "alerte@service-clients.example",
        "Votre abonnement a expir\u00e9",
        """<html><body><p>Votre protection Bitdefender a expir&eacute; le 28/02/2025. Vous n'&ecirc;tes plus
prot&eacute;g&eacute; contre les virus.</p>
<p><a href="https://renouvellement.example/bd">Renouveler maintenant</a></p></body></html>"""),
    # Spanish: the product must be updated.
    "lures/mail/vendor/kaspersky_update_es.eml": _mail(
        "Kaspersky Premium", "avisos@notificaciones.example",
        "Su Kaspersky debe actualizarse",
        """<html><body><p>Su licencia de Kaspersky debe actualizarse hoy. Sin la actualizaci&oacute;n su equipo
est&aacute; en riesgo.</p><p><a href="https://actualizar-ahora.example/k">Actualizar ahora</a></p></body></html>"""),
    # Italian: payment failed.
    "lures/mail/vendor/eset_payment_it.eml": _mail(
        "ESET Sicurezza", "fatture@pagamenti-online.example",
        "Pagamento non riuscito: rinnova la protezione",
        """<html><body><p>Il pagamento del rinnovo di ESET Internet Security non &egrave; riuscito. La protezione
scade oggi.</p><p><a href="https://rinnovo-sicuro.example/e">Aggiorna il metodo di pagamento</a></p></body></html>"""),
    # Clean look-alikes.
    # The vendor's own renewal reminder: same words, sent from and linking to its own domain.
    "clean/mail/vendor_mcafee_real_reminder.eml": _mail(
        "McAfee", "noreply@mcafee.com",
        "Ihr McAfee-Abonnement l\u00e4uft bald ab",
        """<html><body><p>Ihr Abonnement f&uuml;r McAfee Total Protection l&auml;uft am 30.04.2025 ab.
Verl&auml;ngern Sie es in Ihrem Konto.</p><p><a href="https://home.mcafee.com/account">Mein Konto</a></p>
</body></html>"""),
    # A security newsletter: names vendors and viruses, asks nobody to renew a product that expired.
    "clean/mail/vendor_security_newsletter.eml": _mail(
        "Weekly Security Digest", "digest@news.example",
        "This week: ransomware trends and a Kaspersky report",
        """<html><body><p>Kaspersky researchers published their quarterly report on ransomware and banking
malware. Bitdefender and ESET released free decryptors.</p>
<p>Renew your digest preferences any time on our site.</p>
<p><a href="https://news.example/prefs">Preferences</a></p></body></html>"""),
    # A reseller's plain note to its customer: names the product, no lure claim.
    "clean/mail/vendor_reseller_note.eml": _mail(
        "Example IT Services", "office@it-services.example",
        "Norton 360 licence for your new laptop",
        "", plain="""Hello,

as agreed we installed Norton 360 on your new laptop today. The licence key is in the attached
delivery note and is valid for 12 months. Nothing else needs to be done on your side.
"""),
}


def main(argv: list[str]) -> int:
    return write_samples(FILES, HERE, "--check" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
