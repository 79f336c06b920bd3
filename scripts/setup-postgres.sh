#!/usr/bin/env bash
# Ensure a local PostgreSQL server with the pgvector extension is running and the
# CodeHealer test database exists. Idempotent: a second run only checks state.
# Progress goes to stderr; the last stdout line is DATABASE_URL=... for callers.
set -euo pipefail

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export DEBIAN_FRONTEND=noninteractive
DB="${CODEHEALER_TEST_DB:-codehealer_test}"
SRC_LIST=/etc/apt/sources.list.d/codehealer-pgvector-src.sources
exec 3>&1 1>&2 # keep stdout clean for the DATABASE_URL line (apt/make chatter -> stderr)

log() { echo "setup-postgres: $*"; }
die() { log "ERROR: $*"; exit 1; }
need_root() { [ "$(id -u)" -eq 0 ] || die "$1 needs root; run as root, or $2"; }
q() { psql -X -qAt -v ON_ERROR_STOP=1 "$@"; }

command -v psql >/dev/null || die "psql not found; install: postgresql"

# --- 1. server running -------------------------------------------------------
if ! pg_isready -q; then
  case "$PGHOST" in 127.0.0.1 | localhost | ::1 | /*) ;; *) die "$PGHOST:$PGPORT is not reachable" ;; esac
  major=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n1 || true)
  [ -n "$major" ] || die "no PostgreSQL cluster in /etc/postgresql; install: postgresql"
  if pg_ctlcluster "$major" main status >/dev/null 2>&1; then
    die "cluster $major/main is running but $PGHOST:$PGPORT does not answer (check PGHOST/PGPORT)"
  fi
  need_root "starting cluster $major/main" "start it yourself: pg_ctlcluster $major main start"
  log "starting PostgreSQL $major/main"
  # --skip-systemctl-redirect: containers/CI have no systemd to hand the start to.
  pg_ctlcluster --skip-systemctl-redirect "$major" main start
  for _ in $(seq 30); do pg_isready -q && break; sleep 1; done
  pg_isready -q || die "server did not come up on $PGHOST:$PGPORT"
fi
# Ask the running server for its major version: that is what the extension must match.
major=$(($(q -d postgres -c 'show server_version_num') / 10000))
log "PostgreSQL $major is up on $PGHOST:$PGPORT"

# --- 2. pgvector -------------------------------------------------------------
# Print the URI of the machine's main Debian archive (the entry serving the bare
# release codename, not -security/-updates), from deb822 or one-line sources.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    if [ ! -e "$f" ] || [ "$f" = "$SRC_LIST" ]; then continue; fi
    awk -v s="$VERSION_CODENAME" '
      function flush() { if (u != "" && ok && !off && !done) { print u; done = 1 } u = ""; ok = off = 0 }
      /^[[:space:]]*$/ { flush(); next }
      tolower($1) == "uris:" { u = $2 }
      tolower($1) == "enabled:" && tolower($2) == "no" { off = 1 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
      END { flush() }' "$f"
  done
  [ ! -e /etc/apt/sources.list ] || awk -v s="$VERSION_CODENAME" '
    $1 == "deb" || $1 == "deb-src" { sub(/^deb(-src)?[[:space:]]+(\[[^]]*\][[:space:]]+)?/, ""); if ($2 == s) print $1 }' \
    /etc/apt/sources.list
}

if [ "$(q -d postgres -c "select count(*) from pg_available_extensions where name = 'vector'")" = 0 ]; then
  pg_config=/usr/lib/postgresql/$major/bin/pg_config
  need_root "installing pgvector" "install postgresql-$major-pgvector, or build github.com/pgvector/pgvector with PG_CONFIG=$pg_config"
  if apt-cache show "postgresql-$major-pgvector" >/dev/null 2>&1; then
    log "installing postgresql-$major-pgvector from the configured apt sources"
    apt-get install -qq -y --no-install-recommends "postgresql-$major-pgvector" >/dev/null
  else
    # Debian bookworm ships no pgvector. The next release (trixie) does; its *source*
    # builds fine against our server (pgvector supports PG 13+), whereas its *binaries*
    # target trixie's PostgreSQL/libc and would drag in a partial upgrade. So: a
    # deb-src-only entry, and no `apt-get build-dep` (it would pull trixie binaries);
    # build deps are installed by hand from the machine's own release instead.
    # shellcheck source=/dev/null
    . /etc/os-release
    case "${VERSION_CODENAME:-}" in
      bullseye) next=bookworm ;; bookworm) next=trixie ;; trixie) next=forky ;; *) next="" ;;
    esac
    next=${PGVECTOR_SRC_SUITE:-$next}
    [ -n "$next" ] || die "unknown Debian release '${VERSION_CODENAME:-?}'; set PGVECTOR_SRC_SUITE"
    mirror=$(debian_mirror)
    mirror=${mirror%%$'\n'*}
    [ -n "$mirror" ] || die "no Debian mirror for '$VERSION_CODENAME' found in /etc/apt sources"
    entry=$(printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main' "$mirror" "$next")
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [ ! -e "$keyring" ] || entry+=$'\n'"Signed-By: $keyring"
    if [ "$(cat "$SRC_LIST" 2>/dev/null)" != "$entry" ]; then
      log "adding deb-src $mirror $next in $SRC_LIST"
      printf '%s\n' "$entry" >"$SRC_LIST"
    fi
    log "apt-get update"
    apt-get -qq update
    # Only install what is missing: `apt-get install` of an installed package would
    # also upgrade it (and e.g. dpkg with dpkg-dev) as a side effect.
    missing=()
    for p in "postgresql-server-dev-$major" build-essential dpkg-dev; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
      log "installing ${missing[*]}"
      apt-get install -qq -y --no-install-recommends "${missing[@]}" >/dev/null
    fi
    tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
    chown _apt "$tmp" 2>/dev/null || true # apt downloads as the unprivileged _apt user
    log "fetching pgvector source from $next"
    (cd "$tmp" && apt-get source -qq pgvector >/dev/null)
    srcdir=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)
    [ -n "$srcdir" ] || die "apt-get source pgvector produced no source tree"
    log "building $(basename "$srcdir") against $pg_config"
    # OPTFLAGS= drops upstream's -march=native (Debian's no-native patch does too) so
    # the .so does not crash with SIGILL if this image moves to an older CPU.
    make -s -C "$srcdir" PG_CONFIG="$pg_config" OPTFLAGS=
    make -s -C "$srcdir" PG_CONFIG="$pg_config" OPTFLAGS= install
  fi
fi

# --- 3. test database + extension --------------------------------------------
# (SQL via stdin: psql does not interpolate :'db' in -c strings.)
if [ "$(echo "select count(*) from pg_database where datname = :'db'" | q -d postgres -v db="$DB")" = 0 ]; then
  log "creating database $DB"
  createdb "$DB"
fi
PGOPTIONS='-c client_min_messages=warning' q -d "$DB" -c 'create extension if not exists vector'
log "vector $(q -d "$DB" -c "select extversion from pg_extension where extname = 'vector'") loaded in $DB"

echo "DATABASE_URL=postgres://$PGUSER@$PGHOST:$PGPORT/$DB" >&3
