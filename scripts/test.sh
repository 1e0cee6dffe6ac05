#!/usr/bin/env bash
# Run the test suite on a fresh Debian/Ubuntu machine: install the system packages the tests need
# (when root or password-less sudo allows it, saying what it installs), create .venv, install the
# project with its test extras, run pytest.  `.ci/run` calls this script; so does the README.
#
#   scripts/test.sh [--fresh] [--lint] [--dry-run] [PYTEST ARGS...]
#     --fresh    remove .venv first
#     --lint     ruff, mypy and lint-imports before pytest (what .ci/run does)
#     --dry-run  only say which system packages are missing and how they would be installed
#
# Why each package: python3-venv (the venv), python3-dev gcc libmilter-dev (pymilter builds from
# source against Debian's libmilter), postfix (milter and pipe-filter tests run a real Postfix),
# clamdscan (a real clamd client against `scamscan clamd`), zip (encrypted-archive tests), procmail
# (the README's procmail recipe, end to end), systemd and procps (systemd-analyze verifies the shipped
# units, whose ExecReload= runs /bin/kill).
# libarchive13 (libarchive-c: RAR, CAB, LHA, XAR), unar (encrypted and solid RAR4 through rarfile),
# gcab (builds the CAB test archives), 7zip (`7zz`: opens VHD, VHDX and raw disk images, extract/diskimage.py),
# redis-server (the scan service's Redis queue, tests/service/),
# chromium (the service's web page, driven headless by Playwright; no browser download).
set -euo pipefail
cd "$(dirname "$0")/.."

FRESH=0 LINT=0 DRY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --fresh) FRESH=1 ;;
        --lint) LINT=1 ;;
        --dry-run) DRY=1 ;;
        *) break ;;
    esac
    shift
done

PACKAGES=(python3-venv python3-dev gcc libmilter-dev postfix clamdscan zip procmail systemd procps libarchive13 unar
          gcab 7zip redis-server chromium)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in "${PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        case "$status" in *" installed") ;; *) missing+=("$pkg") ;; esac
    done
else
    echo "scripts/test.sh: not a Debian/Ubuntu system (no dpkg-query); make sure these are installed:" \
         "${PACKAGES[*]}" >&2
fi

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$DRY" = 1 ]; then
        echo "scripts/test.sh: dry run: would install: ${missing[*]}"
        exit 0
    fi
    if [ "$(id -u)" = 0 ]; then
        as_root=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        as_root=(sudo)
    else
        echo "scripts/test.sh: missing system packages: ${missing[*]}" >&2
        echo "scripts/test.sh: not root and no password-less sudo; install them with:" >&2
        echo "    sudo apt-get install ${missing[*]}" >&2
        exit 2
    fi
    echo "scripts/test.sh: installing system packages: ${missing[*]}"
    # Postfix asks for its configuration type: "No configuration" is all the tests need (they run
    # their own instance in a temporary folder).
    echo "postfix postfix/main_mailer_type select No configuration" | "${as_root[@]}" debconf-set-selections \
        2>/dev/null || true
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
elif [ "$DRY" = 1 ]; then
    echo "scripts/test.sh: all system packages present: ${PACKAGES[*]}"
    exit 0
fi

if [ "$FRESH" = 1 ]; then
    rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/pip install -q --upgrade pip
fi
.venv/bin/pip install -q -e '.[test]'

if [ "$LINT" = 1 ]; then
    .venv/bin/ruff check scanner tests bench samples scripts fuzz
    .venv/bin/mypy
    .venv/bin/lint-imports
fi

exec .venv/bin/pytest -q "$@"
