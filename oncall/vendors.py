"""The vendor registry: every config file in the config directory, loaded and validated."""

from __future__ import annotations

from pathlib import Path

from rotas.config import load_policy
from rotas.policy import VendorPolicy


def vendor_files(config_dir: Path) -> list[Path]:
    return sorted(Path(config_dir).glob("*.yaml"))


def load_vendors(config_dir: Path) -> dict[str, VendorPolicy]:
    """id -> policy for every vendor file; raises ConfigError on the first bad file."""
    return {p.stem: load_policy(p) for p in vendor_files(config_dir)}


def load_vendor(config_dir: Path, vendor_id: str) -> VendorPolicy:
    """One vendor's policy; raises LookupError naming the valid ids when it does not exist."""
    files = {p.stem: p for p in vendor_files(config_dir)}
    if vendor_id not in files:  # never a path: '../x' is not a vendor id
        raise LookupError(f"unknown vendor {vendor_id!r} (valid: {', '.join(files) or 'none'})")
    return load_policy(files[vendor_id])
