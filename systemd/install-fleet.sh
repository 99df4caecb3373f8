#!/usr/bin/env bash
# Put the fleet monitor on a Debian 12 server: the packages of system-packages/fleet.txt,
# the kiosk-fleet user, the software in /opt/kiosk, the database credential, the
# kiosk-fleet unit (listening on 127.0.0.1) and nginx's TLS proxy example; enable the unit.
# A kiosk never gets this unit: install-kiosk.sh is for kiosks.
#
#   sudo systemd/install-fleet.sh --local-postgresql   # PostgreSQL on this server
#   sudo systemd/install-fleet.sh        # SQLite, or write a postgresql:// URL (with its
#                                        # password) in /etc/kiosk-fleet/credentials/database-url
#   systemd/install-fleet.sh --root DIR --bin BIN --no-packages --no-enable
#                                        # stage the files under DIR (tests)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
ROOT=""
PREFIX=/opt/kiosk
BIN=""
PACKAGES=1
ENABLE=1
LOCAL_POSTGRESQL=0
# Peer authentication over the socket: the URL holds no secret.
LOCAL_URL="postgresql:///kiosk-fleet?host=/run/postgresql"
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --no-packages) PACKAGES=0; shift ;;
    --no-enable) ENABLE=0; shift ;;
    --local-postgresql) LOCAL_POSTGRESQL=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "install-fleet: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install-fleet: run as root (sudo), or stage with --root DIR" >&2
  exit 2
fi

if [ "$PACKAGES" = 1 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  # shellcheck disable=SC2046
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    $(grep -Ev '^\s*(#|$)' "$SRC/system-packages/fleet.txt")
fi

if [ -z "$ROOT" ]; then
  id kiosk-fleet >/dev/null 2>&1 || useradd --system --home-dir /var/lib/kiosk-fleet \
    --shell /usr/sbin/nologin kiosk-fleet
fi

if [ -z "$BIN" ]; then
  python3 -m venv "$ROOT$PREFIX/venv"
  "$ROOT$PREFIX/venv/bin/pip" install --quiet "$SRC"
  BIN=$PREFIX/venv/bin
fi
install -d -m 0755 "$ROOT$PREFIX"
install -m 0644 "$SRC/README.md" "$ROOT$PREFIX/README.md"

# The database's URL: read by systemd (LoadCredential=), never on a command line (ps
# shows those). Empty means SQLite in /var/lib/kiosk-fleet; never overwritten once set.
CREDENTIAL=$ROOT/etc/kiosk-fleet/credentials/database-url
install -d -m 0755 "$ROOT/etc/kiosk-fleet"
install -d -m 0700 "$ROOT/etc/kiosk-fleet/credentials"
if [ ! -e "$CREDENTIAL" ]; then
  (umask 077 && : > "$CREDENTIAL")
fi
# Who is called when a kiosk fails (Apprise URLs, one a line): empty until ops fill them in.
for list in notify notify-ministry; do
  if [ ! -e "$ROOT/etc/kiosk-fleet/credentials/$list" ]; then
    (umask 077 && : > "$ROOT/etc/kiosk-fleet/credentials/$list")
  fi
done
if [ "$LOCAL_POSTGRESQL" = 1 ]; then
  if [ -z "$ROOT" ]; then
    systemctl enable --now postgresql.service
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 < "$SRC/systemd/kiosk-fleet-postgresql.sql"
  else
    echo "install-fleet: staged: the role and database are made on the server itself"
  fi
  if [ ! -s "$CREDENTIAL" ]; then
    (umask 077 && echo "$LOCAL_URL" > "$CREDENTIAL")
  elif [ "$(cat "$CREDENTIAL")" != "$LOCAL_URL" ]; then
    echo "install-fleet: $CREDENTIAL already names another database: left as it is" >&2
  fi
fi

# The unit, with this installation's paths; nginx's example, to edit and enable.
install -d -m 0755 "$ROOT/etc/systemd/system" "$ROOT/etc/nginx/sites-available"
sed -e "s|@BIN@|$BIN|g" -e "s|@PREFIX@|$PREFIX|g" "$SRC/systemd/kiosk-fleet.service.in" \
  > "$ROOT/etc/systemd/system/kiosk-fleet.service"
chmod 0644 "$ROOT/etc/systemd/system/kiosk-fleet.service"
if [ ! -e "$ROOT/etc/nginx/sites-available/kiosk-fleet" ]; then
  install -m 0644 "$SRC/systemd/nginx-kiosk-fleet.conf" "$ROOT/etc/nginx/sites-available/kiosk-fleet"
fi

if [ "$ENABLE" = 1 ] && [ -z "$ROOT" ]; then
  systemctl daemon-reload
  systemctl enable kiosk-fleet.service
fi
if [ -s "$CREDENTIAL" ]; then DATABASE="the URL in $CREDENTIAL"; else
  DATABASE="SQLite in /var/lib/kiosk-fleet ($CREDENTIAL is empty)"; fi
echo "install-fleet: done; the database: $DATABASE"
echo "then: systemctl start kiosk-fleet; for TLS edit /etc/nginx/sites-available/kiosk-fleet"
echo "(server_name, certificate), link it into /etc/nginx/sites-enabled/ and reload nginx;"
echo "register kiosks and users as the README's \"The fleet monitor on a server\" says"
