#!/usr/bin/env bash
# Makes sure the system packages the test suite needs are present: Debian's Chromium (for the
# Playwright end-to-end tests), PostgreSQL server binaries (for the real-PostgreSQL tests) and a
# Java runtime (for the local Spark Thrift server of the Spark SQL tests).
# Idempotent and silent when everything is already installed. Installs only when running as
# root on a machine with apt-get; otherwise it says which tests will be skipped (or, with
# FRAUD_REQUIRE_COMPONENTS=1 as in CI, fail).
set -euo pipefail

have_chromium() { command -v chromium >/dev/null 2>&1; }

have_postgres() {
    local f
    for f in /usr/lib/postgresql/*/bin/initdb; do
        [[ -x "$f" ]] && return 0
    done
    if command -v pg_config >/dev/null 2>&1; then
        [[ -x "$(pg_config --bindir)/initdb" ]] && return 0
    fi
    return 1
}

have_java() { command -v java >/dev/null 2>&1 || [[ -x "${JAVA_HOME:-/nonexistent}/bin/java" ]]; }

missing=()
have_chromium || missing+=(chromium)
have_postgres || missing+=(postgresql)
have_java || missing+=(openjdk-17-jre-headless)

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
        echo "system-deps: apt-get install of ${missing[*]} failed" >&2
    fi
fi

status=0
if ! have_chromium; then
    echo "system-deps: NOTE: 'chromium' is not on PATH; browser tests will be skipped" \
        "(and fail when FRAUD_REQUIRE_COMPONENTS=1, as in CI). Install: apt-get install chromium" >&2
    status=1
fi
if ! have_postgres; then
    echo "system-deps: NOTE: PostgreSQL server binaries (initdb) not found; PostgreSQL tests will" \
        "be skipped (and fail when FRAUD_REQUIRE_COMPONENTS=1, as in CI)." \
        "Install: apt-get install postgresql" >&2
    status=1
fi
if ! have_java; then
    echo "system-deps: NOTE: 'java' not found; Spark SQL tests will be skipped (and fail when" \
        "FRAUD_REQUIRE_COMPONENTS=1, as in CI). Install: apt-get install openjdk-17-jre-headless" >&2
    status=1
fi
# Missing components are reported, not fatal: pytest decides whether they skip or fail.
[[ $status -eq 0 ]] && echo "system-deps: ok"
exit 0
