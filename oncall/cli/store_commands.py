"""Commands over the vendor policies stored in Redis: import, export, history, restore.

`import` validates every file exactly like `check` (a number claimed by two files, or by a
stored vendor that is not being imported, is an error too) and writes nothing when any file
has an error; a file whose text is already the vendor's current version makes no new one.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from config.settings import Settings
from oncall.cli.args import MAX_HISTORY_LIMIT, UsageError, count_of
from oncall.cli.config_commands import check_duplicate_inbound
from oncall.clock import clock_for
from oncall.services import policies
from oncall.services.policies import Conflict, Invalid, Version
from oncall.services.vendors import vendor_files
from oncall.store.redisconn import connect
from rotas.config import check_policy_text, read_policy_text
from rotas.inbound import inbound_lines
from rotas.phone import mask


def cmd_import(args, settings: Settings) -> int:
    files = [_path(f, "file") for f in args.files] or vendor_files(settings.config_dir)
    if not files:
        raise UsageError(f"no vendor configs in {settings.config_dir}")
    author = _author(args.author)
    client = connect(settings)
    checked, errors = _validate(files, policies.inbound_owners(client))
    if errors:
        print(f"{len(files)} file(s): {errors} error(s); nothing imported")
        return 1
    clock = clock_for(settings, client)
    failed = 0
    for vendor, path, text in checked:
        failed += _import_one(client, vendor, path, text, author, clock)
    return 1 if failed else 0


def _validate(files: list[Path], owners: dict[str, str]):
    """[(vendor, path, text)] of the files, and the count of errors (every one printed as
    `file:line: field: message`, warnings too, like `check`)."""
    errors, loaded, checked = 0, [], []
    for path in files:
        text, unreadable = read_policy_text(path)  # once: the text checked is the text saved
        policy, problems = (
            (None, [unreadable]) if unreadable else check_policy_text(text, str(path), path.stem)
        )
        for problem in problems:
            print(problem)
        errors += sum(p.level == "error" for p in problems)
        if policy is not None:
            loaded.append((policy.id, policy, str(path), text))
            checked.append((policy.id, path, text))
    errors += check_duplicate_inbound(loaded)
    importing = {vendor for vendor, *_ in loaded}
    for vendor, policy, source, text in loaded:
        lines = inbound_lines(text, source, policy.country)
        for number in policy.inbound:
            owner = owners.get(number)
            if owner and owner != vendor and owner not in importing:
                print(
                    f"{source}:{lines.get(number, 0)}: inbound: {mask(number)} is the inbound "
                    f"number of {owner} (stored); a number belongs to one vendor"
                )
                errors += 1
    return checked, errors


def _import_one(client, vendor: str, path: Path, text: str, author: str, clock) -> int:
    latest = policies.current(client, vendor)
    if latest is not None and latest.text == text:
        print(f"{vendor}: unchanged (version {latest.number})")
        return 0
    try:
        saved = policies.save_text(
            client, vendor, text, base=latest.number if latest else None, author=author,
            clock=clock,
        )  # fmt: skip
    except (Conflict, Invalid) as exc:
        print(f"{path}: not imported: {exc}")
        return 1
    gaps = f"; {len(saved.warnings)} warning(s)" if saved.warnings else ""
    print(f"{vendor}: version {saved.version.number}: {saved.version.summary}{gaps}")
    return 0


def cmd_export(args, settings: Settings) -> int:
    client = connect(settings)
    stored = policies.vendor_ids(client)
    if args.vendor is not None and args.vendor not in stored:
        raise UsageError(f"no stored policy for {args.vendor!r} (stored: {_names(stored)})")
    vendors = [args.vendor] if args.vendor else stored
    if args.dir is None:
        if len(vendors) != 1:
            raise UsageError("give --vendor ID to print one policy, or --dir DIR to write them")
        print(policies.current(client, vendors[0]).text, end="")
        return 0
    folder = _path(args.dir, "--dir")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--dir {args.dir}: {exc.strerror}") from None
    for vendor in vendors:
        latest = policies.current(client, vendor)
        (folder / f"{vendor}.yaml").write_text(latest.text, encoding="utf-8")
        print(f"{vendor}: version {latest.number} -> {folder / f'{vendor}.yaml'}")
    return 0


def cmd_history(args, settings: Settings) -> int:
    count_of(args.limit, "--limit", MAX_HISTORY_LIMIT)
    client = connect(settings)
    _stored(client, args.vendor)
    versions = policies.history(client, args.vendor, limit=args.limit)
    if args.json:
        print(json.dumps([_version_json(v) for v in versions], ensure_ascii=False, indent=1))
        return 0
    for v in versions:
        print(f"{v.number:>5}  {v.local_at}  {v.author}  {v.summary}")
    return 0


def cmd_restore(args, settings: Settings) -> int:
    author = _author(args.author)
    client = connect(settings)
    latest = _stored(client, args.vendor)
    if not 1 <= args.version <= latest.number:
        raise UsageError(f"--version must be between 1 and {latest.number} for {args.vendor}")
    try:
        saved = policies.restore(
            client, args.vendor, args.version, base=latest.number, author=author,
            clock=clock_for(settings, client),
        )  # fmt: skip
    except (Conflict, Invalid) as exc:
        print(f"oncall restore: {args.vendor}: not restored: {exc}")
        return 1
    print(f"{args.vendor}: version {saved.version.number} restores version {args.version}")
    return 0


def _stored(client, vendor: str) -> Version:
    latest = policies.current(client, vendor)
    if latest is None:
        stored = policies.vendor_ids(client)
        raise UsageError(f"no stored policy for {vendor!r} (stored: {_names(stored)})")
    return latest


def _path(given: str, what: str) -> Path:
    """A path from the command line; one the OS cannot name (a NUL character) is a usage
    error, not a traceback."""
    if "\x00" in given:
        raise UsageError(f"{what} {given!r}: a path cannot contain a NUL character")
    return Path(given)


def _names(vendors: list[str]) -> str:
    return ", ".join(vendors) or "none; run `python -m oncall import`"


def _author(given: str | None) -> str:
    if given is not None:
        if not given.strip() or len(given) > policies.MAX_AUTHOR:
            raise UsageError(f"--author must be 1 to {policies.MAX_AUTHOR} characters")
        return given.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (a bare container)
        return "unknown"


def _version_json(v: Version) -> dict:
    return {
        "vendor": v.vendor,
        "number": v.number,
        "author": v.author,
        "at": v.at,
        "summary": v.summary,
        "changes": v.changes,
    }
