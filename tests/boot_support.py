"""Boot a kiosk installed as the README says: a Debian 12 root made with debootstrap, the
kiosk put in by systemd/install-kiosk.sh, booted with systemd-nspawn (systemd as PID 1).

The bare Debian root is cached (``$KIOSK_BOOT_CACHE``, default /var/cache/kiosk-boot) and
made again when missing; each boot starts from a fresh copy of it, so every run installs
the kiosk anew. Downloaded packages and wheels are cached there too. The container shares
the host's network: the kiosk inside reaches the sandbox and the fleet monitor on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOT_FILES = Path(__file__).resolve().parent / "boot"
CACHE = Path(os.environ.get("KIOSK_BOOT_CACHE", "/var/cache/kiosk-boot"))
BASE_PACKAGES = ("systemd", "systemd-sysv", "dbus", "ca-certificates")
"""What the bare root has besides Debian's minimal base: enough to boot and to use HTTPS."""
PASSED_ENVIRONMENT = ("PIP_CERT", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_DEFAULT_TIMEOUT")
"""This machine's settings for reaching the package registries, given to the container."""


def base_root() -> Path:
    """Return the cached bare Debian 12 root, making it first if needed (about a minute)."""
    name = "bookworm-" + "-".join(BASE_PACKAGES)
    base = CACHE / name
    if (base / ".complete").exists():
        return base
    CACHE.mkdir(parents=True, exist_ok=True)
    building = CACHE / f"{name}.building"
    shutil.rmtree(building, ignore_errors=True)
    done = subprocess.run(
        ["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}",
         "bookworm", str(building)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"debootstrap failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    (building / ".complete").touch()
    shutil.rmtree(base, ignore_errors=True)
    building.rename(base)
    return base


def fresh_root(folder: Path) -> Path:
    """Return a new copy of the bare root in ``folder`` (with the machine's CA certificates,
    so the container reaches the registries as this machine does)."""
    root = folder / "kiosk-root"
    subprocess.run(["cp", "-a", "--reflink=auto", str(base_root()), str(root)], check=True)
    certificates = Path("/usr/local/share/ca-certificates")
    if certificates.is_dir():
        shutil.copytree(certificates, root / "usr/local/share/ca-certificates", dirs_exist_ok=True)
    nspawn(root, "update-ca-certificates")
    return root


def nspawn(
    root: Path, *command: str, timeout: float = 1200, binds: dict[Path, str] | None = None
) -> str:
    """Run ``command`` in the root (not booted); return its output or raise with it."""
    caches = {CACHE / "apt": "/var/cache/apt/archives", CACHE / "pip": "/root/.cache/pip"}
    args = ["systemd-nspawn", "-D", str(root), "--register=no", "--keep-unit", "--quiet",
            "--pipe", "--setenv=DEBIAN_FRONTEND=noninteractive"]  # fmt: skip
    for name in PASSED_ENVIRONMENT:
        if name in os.environ:
            args.append(f"--setenv={name}={os.environ[name]}")
    for host, inside in {**caches, **(binds or {})}.items():
        host.mkdir(parents=True, exist_ok=True)
        args.append(f"--bind={host}:{inside}")
    done = subprocess.run(
        [*args, *command], capture_output=True, text=True, timeout=timeout, check=False
    )
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed in the container:\n{output[-6000:]}")
    return output


def copy_checkout(root: Path) -> Path:
    """Copy this checkout's files (tracked, and new ones not ignored) into the root."""
    target = root / "usr/src/kiosk"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def install_kiosk(root: Path) -> str:
    """Install the kiosk into the root exactly as the README says; return what it printed."""
    copy_checkout(root)
    return nspawn(root, "/usr/src/kiosk/systemd/install-kiosk.sh")


def add_boot_check(root: Path) -> None:
    """Put the test's own look at the kiosk into the root, and the container's screen."""
    nspawn(root, "apt-get", "install", "-y", "-q", "--no-install-recommends", "grim")
    check = root / "usr/local/lib/kiosk-boot-check"
    check.mkdir(parents=True, exist_ok=True)
    shutil.copy2(BOOT_FILES / "check.py", check / "check.py")
    units = root / "etc/systemd/system"
    shutil.copy2(BOOT_FILES / "kiosk-boot-check.service", units / "kiosk-boot-check.service")
    wants = units / "graphical.target.wants"
    wants.mkdir(exist_ok=True)
    (wants / "kiosk-boot-check.service").symlink_to("/etc/systemd/system/kiosk-boot-check.service")
    for unit in ("kiosk-ui", "kiosk-out-of-service"):
        drop_ins = units / f"{unit}.service.d"
        drop_ins.mkdir(exist_ok=True)
        shutil.copy2(BOOT_FILES / "container-screen.conf", drop_ins / "container-screen.conf")


def kiosk_user(root: Path) -> tuple[int, int]:
    """Return the uid and gid of the root's kiosk user."""
    for line in (root / "etc/passwd").read_text(encoding="utf-8").splitlines():
        fields = line.split(":")
        if fields[0] == "kiosk":
            return int(fields[2]), int(fields[3])
    raise RuntimeError("the installer made no kiosk user")


def boot(root: Path, results: Path, log: Path, timeout: float = 900) -> int:
    """Boot the root until it powers itself off; return systemd-nspawn's exit code.

    systemd-nspawn needs a terminal to show the boot: ``script`` gives it one.
    """
    results.mkdir(parents=True, exist_ok=True)
    command = (
        f"systemd-nspawn -D {root} --boot --register=no --keep-unit --bind={results}:/boot-results"
    )
    done = subprocess.run(
        ["script", "-qfec", command, str(log)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        timeout=timeout, check=False,
    )  # fmt: skip
    return done.returncode
