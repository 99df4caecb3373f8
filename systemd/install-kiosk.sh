#!/usr/bin/env bash
# Put a kiosk on a Debian 12 machine: the system packages, the kiosk user and its device
# group, the software in /opt/kiosk, a config template, the secrets, the systemd units and
# the udev rules; then enable kiosk-ui and kiosk-agent.
#
#   sudo systemd/install-kiosk.sh                 # on the kiosk, from a checkout
#   systemd/install-kiosk.sh --root DIR --bin BIN --no-packages --no-enable
#                                                 # stage the files under DIR (tests)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
ROOT=""
PREFIX=/opt/kiosk
BIN=""
PACKAGES=1
ENABLE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --no-packages) PACKAGES=0; shift ;;
    --no-enable) ENABLE=0; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "install-kiosk: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install-kiosk: run as root (sudo), or stage with --root DIR" >&2
  exit 2
fi

if [ "$PACKAGES" = 1 ]; then
  # shellcheck disable=SC2046
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    $(grep -Ev '^\s*(#|$)' "$SRC/system-packages.txt")
fi

if [ -z "$ROOT" ]; then
  getent group kiosk-devices >/dev/null || groupadd --system kiosk-devices
  id kiosk >/dev/null 2>&1 || useradd --system --home-dir /var/lib/kiosk \
    --shell /usr/sbin/nologin --groups kiosk-devices kiosk
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

# The config: a template the first time, never overwritten.
install -d -m 0755 "$ROOT/etc/kiosk"
if [ ! -e "$ROOT/etc/kiosk/kiosk.toml" ]; then
  cat > "$ROOT/etc/kiosk/kiosk.toml" <<TOML
# This kiosk's configuration (see the README's "Configuration"). Set backend.url, then
# fleet.url with the token from \`kiosk-fleet kiosks add\` in credentials/fleet.token.
[kiosk]
id = "$(hostname -s 2>/dev/null || echo kiosk)"
data_dir = "/var/lib/kiosk"
status_file = "/run/kiosk/status.json"

[backend]
url = "https://backends.example"

[ui]
fullscreen = true
TOML
  chmod 0644 "$ROOT/etc/kiosk/kiosk.toml"
fi

# Secrets: read by systemd (LoadCredential=), never by the kiosk user directly.
install -d -m 0700 "$ROOT/etc/kiosk/credentials"
if [ ! -e "$ROOT/etc/kiosk/credentials/pii.key" ]; then
  (umask 077 && head -c 32 /dev/urandom | base64 > "$ROOT/etc/kiosk/credentials/pii.key")
fi
if [ ! -e "$ROOT/etc/kiosk/credentials/fleet.token" ]; then
  (umask 077 && : > "$ROOT/etc/kiosk/credentials/fleet.token")
fi
# Empty until a technician PIN is set: maintenance mode stays shut (kiosk diagnose says so).
if [ ! -e "$ROOT/etc/kiosk/credentials/technician-pin" ]; then
  (umask 077 && : > "$ROOT/etc/kiosk/credentials/technician-pin")
fi

# The units, with this installation's paths; the udev rules.
install -d -m 0755 "$ROOT/etc/systemd/system" "$ROOT/etc/udev/rules.d"
for template in "$SRC"/systemd/*.service.in; do
  unit=$(basename "$template" .in)
  sed -e "s|@BIN@|$BIN|g" -e "s|@PREFIX@|$PREFIX|g" "$template" > "$ROOT/etc/systemd/system/$unit"
  chmod 0644 "$ROOT/etc/systemd/system/$unit"
done
install -m 0644 "$SRC/systemd/70-kiosk-devices.rules" "$ROOT/etc/udev/rules.d/70-kiosk-devices.rules"

if [ "$ENABLE" = 1 ] && [ -z "$ROOT" ]; then
  systemctl daemon-reload
  udevadm control --reload-rules && udevadm trigger
  systemctl enable kiosk-ui.service kiosk-agent.service
  systemctl set-default graphical.target
fi
echo "install-kiosk: done; edit /etc/kiosk/kiosk.toml, set the technician PIN with"
echo "  $BIN/kiosk technician pin --out /etc/kiosk/credentials/technician-pin"
echo "then reboot (or start kiosk-ui)"
