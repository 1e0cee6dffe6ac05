"""Stand-in for `sendmail -G -i -f SENDER -- RECIPIENT...` in tests/gateway/test_postfix_pipe.py.

The private test Postfix lives in a temporary folder; its postdrop refuses that configuration
folder to any user but root unless /etc/postfix/main.cf lists it, which a test must not edit.  So
the reinjection goes by SMTP to a second smtpd of the same instance that has no content filter,
the way Postfix's FILTER_README reinjects from advanced filters.  Usage: smtp_submit.py PORT
[sendmail arguments]; exit 0 when accepted, 75 otherwise (as sendmail would).
"""

import smtplib
import sys


def main() -> int:
    port, args = int(sys.argv[1]), sys.argv[2:]
    sender = args[args.index("-f") + 1] if "-f" in args else ""
    recipients = args[args.index("--") + 1:]
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
            s.sendmail(sender, recipients, sys.stdin.buffer.read())
    except (OSError, smtplib.SMTPException) as exc:
        print(f"smtp_submit: {exc}", file=sys.stderr)
        return 75
    return 0


if __name__ == "__main__":
    sys.exit(main())
