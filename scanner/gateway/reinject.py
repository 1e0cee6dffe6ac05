"""`scamscan filter --reinject`: Postfix's pipe(8) content filter without a shell.

The README's old recipe piped the filter into sendmail through `sh -c '...'`: master.cf does not
take the quotes, `$0`/`$@` needed escaping, and the pipeline's exit code was sendmail's, so
`--reject-exit` never reached Postfix.  Here the filter itself hands the scanned message (with
its X-Scamscan-* headers) to `sendmail -G -i -f SENDER -- RECIPIENT...` and exits with the code
Postfix must see: the reject code for flagged mail (nothing is reinjected), 75 when it could not
be scanned (Postfix retries), else sendmail's own code.  Reinjected mail enters through pickup,
which has no content_filter, so it is not filtered twice (see the README's master.cf).
"""

from __future__ import annotations

import shlex
import subprocess
import sys

from ..render.escape import visible

EX_TEMPFAIL = 75
SENDMAIL = "/usr/sbin/sendmail"
SENDMAIL_TIMEOUT = 300.0


def reinject(data: bytes, sender: str, recipients: list[str], sendmail: str = SENDMAIL) -> int:
    """Submit `data` again; sendmail's exit code (sysexits), 75 if it could not run."""
    command = [*shlex.split(sendmail), "-G", "-i", "-f", sender, "--", *recipients]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=SENDMAIL_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        sys.stderr.write(visible(f"scamscan: cannot reinject with {command[0]}: {exc}") + "\n")
        return EX_TEMPFAIL
    if done.returncode != 0:
        detail = " ".join(done.stderr.decode("utf-8", "replace").split())[:500]  # may quote the sender
        sys.stderr.write(visible(f"scamscan: {command[0]} exited {done.returncode}: {detail}") + "\n")
    return done.returncode
