#!/usr/bin/env bash
# Put a kiosk on a Debian 12 machine: the kiosk's system packages, the kiosk user and its
# device group, the software in /opt/kiosk (with `kiosk` on PATH), a config template, the
# secrets, the kiosk's systemd units and udev rules; then enable kiosk-ui and kiosk-agent.
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
  # Only what a kiosk runs: no compiler, no virtual card reader, no fleet server.
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2046
  apt-get install -y -q --no-install-recommends \
    $(grep -Ev '^\s*(#|$)' "$SRC/system-packages/kiosk.txt")
fi

if [ -z "$ROOT" ]; then
  getent group kiosk-devices >/dev/null || groupadd --system kiosk-devices
  # input: the headphone switch of the audio jack (spoken guidance, kiosk_app/speech.py);
  # udev makes the group, which a system without udev yet lacks.
  getent group input >/dev/null || groupadd --system input
  # video: seatd's group, which gives cage the screen and the touchscreen.
  id kiosk >/dev/null 2>&1 || useradd --system --home-dir /var/lib/kiosk \
    --shell /usr/sbin/nologin --groups kiosk-devices,input,video kiosk
fi

if [ -z "$BIN" ]; then
  # Debian's python3-pyscard is seen through the system site packages: a kiosk builds
  # nothing from source.
  python3 -m venv --system-site-packages "$ROOT$PREFIX/venv"
  "$ROOT$PREFIX/venv/bin/pip" install --quiet --disable-pip-version-check "$SRC"
  BIN=$PREFIX/venv/bin
fi
install -d -m 0755 "$ROOT$PREFIX" "$ROOT/usr/local/bin"
install -m 0644 "$SRC/README.md" "$ROOT$PREFIX/README.md"
install -d -m 0755 "$ROOT$PREFIX/docs"
if [ -d "$SRC/docs" ]; then
  cp -r "$SRC/docs/." "$ROOT$PREFIX/docs/"
fi
ln -sfn "$BIN/kiosk" "$ROOT/usr/local/bin/kiosk"

# The config: a template the first time, never overwritten.
install -d -m 0755 "$ROOT/etc/kiosk"
if [ ! -e "$ROOT/etc/kiosk/kiosk.toml" ]; then
  kiosk_id=$(hostname -s 2>/dev/null || echo kiosk)
  sed -e "s|@KIOSK_ID@|$kiosk_id|g" "$SRC/systemd/kiosk.toml.in" > "$ROOT/etc/kiosk/kiosk.toml"
  chmod 0644 "$ROOT/etc/kiosk/kiosk.toml"
fi

# Secrets: given to the services by systemd (LoadCredential=); a technician reads them as root.
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

# The kiosk's units (never the fleet monitor's or the sandbox's), with this installation's
# paths; the udev rules.
install -d -m 0755 "$ROOT/etc/systemd/system" "$ROOT/etc/udev/rules.d"
for unit in kiosk-ui.service kiosk-out-of-service.service kiosk-agent.service; do
  sed -e "s|@BIN@|$BIN|g" -e "s|@PREFIX@|$PREFIX|g" "$SRC/systemd/$unit.in" \
    > "$ROOT/etc/systemd/system/$unit"
  chmod 0644 "$ROOT/etc/systemd/system/$unit"
done
install -m 0644 "$SRC/systemd/70-kiosk-devices.rules" "$ROOT/etc/udev/rules.d/70-kiosk-devices.rules"

if [ "$ENABLE" = 1 ] && [ -z "$ROOT" ]; then
  # Enabling works on a root being prepared too; reloading needs systemd and udev running.
  systemctl enable kiosk-ui.service kiosk-agent.service
  systemctl set-default graphical.target
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    udevadm control --reload-rules && udevadm trigger
  fi
fi
echo "install-kiosk: done. Next:"
echo "  1. edit /etc/kiosk/kiosk.toml: [kiosk] id, backend.url, fleet.url, the devices"
echo "  2. paste the fleet token into /etc/kiosk/credentials/fleet.token"
echo "  3. set the technician PIN: kiosk technician pin --out /etc/kiosk/credentials/technician-pin"
echo "  4. kiosk diagnose, then reboot (or systemctl start kiosk-ui kiosk-agent)"
