"""Backups of the whole system (the database and every stored file) and their restoration.

A backup is one tar archive, optionally encrypted to one or more age recipients (pyrage; any
`age` tool can decrypt it too):

    database.sqlite3 | database.pgdump   SQLite's online backup, or pg_dump's custom format
    files/<name>                         every object in the default storage (local disk or S3)
    manifest.json                        what was taken: for each table its row count and a
                                         digest of its rows, for each file its SHA-256, and the
                                         audit chain's head

The database is read in one consistent snapshot (SQLite's backup API; on PostgreSQL a
REPEATABLE READ transaction whose snapshot pg_dump shares), and the manifest is counted in that
same snapshot. Files are copied after the database: stored files are never changed, so every
file a row names is there; one added meanwhile is simply extra.

A restore puts both back and then checks them against the manifest: row counts and digests,
file hashes, the audit chain and every evidence item's hash and chain of custody.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404: pg_dump and pg_restore, with argument lists
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyrage
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.utils import timezone

from commonground.lib.storage import walk

FORMAT = 1
AGE_HEADER = b"age-encryption.org/v1"
CHUNK = 1024 * 1024
Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on, with a message saying why and what to do."""


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- Taking a backup ------------------------------------------------------------------------


def create_backup(
    destination: Path, *, recipients: list[str] = (), progress: Progress = print
) -> dict:
    """Write a backup to `destination`; with recipients (age public keys), encrypted to them."""
    keys = [_recipient(r) for r in recipients]
    if destination.exists():
        raise BackupError(f"{destination} already exists; a backup never replaces a file.")
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR) as scratch:
        scratch = Path(scratch)
        archive = scratch / "backup.tar" if keys else destination
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "site": settings.SITE_URL,
            "database": connection.vendor,
        }
        with tarfile.open(archive, "w") as tar:
            progress("Copying the database…")
            dump, manifest["tables"] = _dump_database(scratch)
            tar.add(dump, arcname=f"database.{_dump_suffix()}")
            dump.unlink()
            manifest["audit_head"] = _audit_head()
            manifest["files"] = {}
            for name in walk(default_storage):
                with default_storage.open(name, "rb") as handle:
                    digest, size = _add_stream(tar, f"files/{name}", handle)
                manifest["files"][name] = {"sha256": digest, "size": size}
            progress(f"Copied {len(manifest['files'])} stored file(s).")
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if keys:
            progress(f"Encrypting to {len(keys)} recipient(s)…")
            with archive.open("rb") as plain, destination.open("xb") as sealed:
                pyrage.encrypt_io(plain, sealed, keys)
    return manifest


def _dump_suffix() -> str:
    return "sqlite3" if connection.vendor == "sqlite" else "pgdump"


def _dump_database(scratch: Path) -> tuple[Path, dict]:
    connection.ensure_connection()
    target = scratch / f"database.{_dump_suffix()}"
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(target)
        with copy:
            connection.connection.backup(copy)
        tables = _table_facts(copy.cursor(), _sqlite_tables(copy.cursor()))
        copy.close()
        return target, tables
    if connection.vendor == "postgresql":
        # pg_dump reads the very snapshot the manifest is counted in.
        with connection.connection.transaction():
            cursor = connection.connection.cursor()
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = _table_facts(cursor, connection.introspection.table_names(cursor))
            _postgres_tool(
                "pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"
            )
        return target, tables
    raise BackupError(f"Backups of {connection.vendor} databases are not supported.")


def _sqlite_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [row[0] for row in cursor.fetchall()]


def _table_facts(cursor, tables) -> dict:
    """Each table's row count and a SHA-256 over its rows in primary-key order."""
    facts = {}
    for table in sorted(tables):
        quoted = '"' + table.replace('"', '""') + '"'
        # nosemgrep: sql-built-from-strings (a quoted table name)
        cursor.execute(f"SELECT * FROM {quoted} LIMIT 0")  # noqa: S608  # nosec B608
        # Ordered by every column, so that rows without a unique first column still compare.
        order = ", ".join(str(i + 1) for i in range(len(cursor.description)))
        # nosemgrep: sql-built-from-strings (a quoted table name)
        cursor.execute(f"SELECT * FROM {quoted} ORDER BY {order}")  # noqa: S608  # nosec B608
        digest, rows = hashlib.sha256(), 0
        while batch := cursor.fetchmany(5000):
            for row in batch:
                digest.update(repr(tuple(_plain(v) for v in row)).encode())
                rows += 1
        facts[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return facts


def _live_table_facts(tables) -> dict:
    """As `_table_facts`, read the way the backup read them: SQLite through a plain connection
    (Django's converts dates), PostgreSQL through the driver Django uses."""
    if connection.vendor == "sqlite":
        plain = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            return _table_facts(plain.cursor(), tables)
        finally:
            plain.close()
    with connection.cursor() as cursor:
        return _table_facts(cursor, tables)


def _plain(value):
    """The same value whichever driver returned it (memoryview vs bytes)."""
    return bytes(value) if isinstance(value, memoryview) else value


def _audit_head() -> dict:
    from commonground.audit.selectors import chain_head

    head = chain_head()
    return {"sequence": head.sequence, "hash": head.hash}


def _add_stream(tar: tarfile.TarFile, arcname: str, handle) -> tuple[str, int]:
    """Add a stored file to the archive, hashing it on the way, without holding it in memory
    (the size must be known first: stream it to a temporary file)."""
    digest = hashlib.sha256()
    with tempfile.TemporaryFile(dir=settings.DATA_DIR) as spool:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            spool.write(chunk)
        info = tarfile.TarInfo(arcname)
        info.size = spool.tell()
        info.mtime = int(timezone.now().timestamp())
        spool.seek(0)
        tar.addfile(info, spool)
    return digest.hexdigest(), info.size


def _recipient(text: str):
    try:
        return pyrage.x25519.Recipient.from_str(text.strip())
    except pyrage.RecipientError:
        raise BackupError(
            f"{text!r} is not an age public key (it starts with age1); make a key pair with "
            "`manage.py backup --new-identity FILE`."
        ) from None


# --- Restoring ------------------------------------------------------------------------------


def restore_backup(
    source: Path, *, identities: list[Path] = (), replace: bool = False, progress: Progress = print
) -> RestoreReport:
    """Put a backup back: the database, then the files; then check everything it holds."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist or is not a file.")
    if not replace and _holds_records():
        raise BackupError(
            "This database already holds records. Restoring replaces all of them: run it again "
            "with --replace if that is what you want."
        )
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR) as scratch:
        archive = _decrypted(source, Path(scratch), identities, progress)
        with tarfile.open(archive, "r") as tar:
            manifest = _manifest(tar)
            if manifest["database"] != connection.vendor:
                raise BackupError(
                    f"This backup is of a {manifest['database']} database; this system runs on "
                    f"{connection.vendor}."
                )
            progress("Restoring the database…")
            dump = Path(scratch) / f"database.{_dump_suffix()}"
            _extract(tar, f"database.{_dump_suffix()}", dump)
            _load_database(dump)
            progress(f"Restoring {len(manifest['files'])} stored file(s)…")
            problems = _restore_files(tar, manifest["files"], replace=replace)
    progress("Checking what was restored…")
    report = check_restored(manifest)
    report.problems[:0] = problems
    return report


def _holds_records() -> bool:
    from commonground.audit.models import AuditEvent

    try:
        return AuditEvent.objects.exists()
    except DatabaseError:  # a new, empty database: not even migrated yet
        return False


def _decrypted(source: Path, scratch: Path, identities, progress: Progress) -> Path:
    with source.open("rb") as handle:
        encrypted = handle.read(len(AGE_HEADER)) == AGE_HEADER
    if not encrypted:
        return source
    if not identities:
        raise BackupError(
            f"{source} is encrypted: give the age identity (secret key) file with --identity."
        )
    keys = []
    for path in identities:
        try:
            keys.append(pyrage.x25519.Identity.from_str(Path(path).read_text().strip()))
        except (OSError, pyrage.IdentityError) as error:
            raise BackupError(f"{path} is not a readable age identity file: {error}") from None
    progress("Decrypting…")
    plain = scratch / "backup.tar"
    try:
        with source.open("rb") as sealed, plain.open("wb") as out:
            pyrage.decrypt_io(sealed, out, keys)
    except pyrage.DecryptError as error:
        raise BackupError(f"{source} cannot be decrypted with that identity: {error}") from None
    return plain


def _manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except (KeyError, ValueError):
        raise BackupError("This is not a Common Ground backup (no readable manifest).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')} is not one this version reads.")
    return manifest


def _extract(tar: tarfile.TarFile, member: str, target: Path) -> None:
    source = tar.extractfile(member)
    if source is None:
        raise BackupError(f"The backup has no {member}.")
    with target.open("wb") as out:
        shutil.copyfileobj(source, out, CHUNK)


def _load_database(dump: Path) -> None:
    connection.close()
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        with source:
            source.backup(connection.connection)
        source.close()
    else:
        _postgres_tool(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(dump),
            database_flag=True,
        )
    connection.close()


def _restore_files(tar: tarfile.TarFile, files: dict, *, replace: bool) -> list[str]:
    problems = []
    for name, facts in files.items():
        if not _safe_name(name):
            problems.append(f"File {name!r}: not a safe storage name; skipped.")
            continue
        member = tar.extractfile(f"files/{name}")
        if member is None:
            problems.append(f"File {name}: missing from the archive.")
            continue
        if default_storage.exists(name):
            if _sha256_of(name) == facts["sha256"]:
                continue
            if not replace:
                problems.append(f"File {name}: a different file is stored under this name; kept.")
                continue
            default_storage.delete(name)
        saved = default_storage.save(name, File(member, name=name))
        if saved != name:
            problems.append(f"File {name}: stored as {saved}.")
    return problems


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "\\" not in name


def _sha256_of(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_restored(manifest: dict) -> RestoreReport:
    """Compare the live database and storage with a backup's manifest, and verify the audit
    chain and the evidence."""
    from commonground.audit.keys import MissingChainKey
    from commonground.audit.selectors import verify_chain
    from commonground.evidence.models import StoredFile
    from commonground.evidence.selectors import verify_item

    report = RestoreReport()
    live = _live_table_facts(manifest["tables"])
    for table, facts in manifest["tables"].items():
        report.tables += 1
        report.rows += live[table]["rows"]
        if live[table]["rows"] != facts["rows"]:
            report.problems.append(
                f"Table {table}: {live[table]['rows']} rows, the backup has {facts['rows']}."
            )
        elif live[table]["sha256"] != facts["sha256"]:
            report.problems.append(f"Table {table}: its rows differ from the backup's.")
    for name, facts in manifest["files"].items():
        report.files += 1
        if not default_storage.exists(name):
            report.problems.append(f"File {name}: missing.")
        elif _sha256_of(name) != facts["sha256"]:
            report.problems.append(f"File {name}: its content differs from the backup's.")
    try:
        checked, broken = verify_chain()
    except MissingChainKey as error:
        report.problems.append(f"Audit log: {error}")
        checked, broken = manifest["audit_head"]["sequence"], None
    if broken:
        report.problems.append(f"Audit chain broken at event #{broken.sequence}: {broken.reason}.")
    elif checked != manifest["audit_head"]["sequence"]:
        report.problems.append(
            f"Audit log: {checked} events, the backup's head is #{manifest['audit_head']['sequence']}."
        )
    for item in StoredFile.objects.filter(draft_key="", disposed_at__isnull=True).iterator():
        check = verify_item(item)
        if not check.ok:
            report.problems.append(f"Evidence {item.uuid}: {'; '.join(check.problems)}")
    return report


# --- PostgreSQL's own tools -----------------------------------------------------------------


def _postgres_tool(tool: str, *args: str, database_flag: bool = False) -> None:
    """Run pg_dump or pg_restore against the configured database; the password goes through
    the environment, never the command line (where `ps` would show it)."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "PGHOST": str(db.get("HOST") or "localhost"),
        "PGPORT": str(db.get("PORT") or 5432),
        "PGUSER": str(db.get("USER") or ""),
        "PGPASSWORD": str(db.get("PASSWORD") or ""),
        "PGDATABASE": str(db["NAME"]),
    }
    command = [_find(tool), *args]
    if database_flag:
        command.insert(1, f"--dbname={db['NAME']}")
    result = subprocess.run(  # noqa: S603  # nosec B603 (an argument list, our own tool path)
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip()[-2000:]}")


def _find(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    # Debian keeps the client tools of each major version under /usr/lib/postgresql/<n>/bin.
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), key=lambda p: int(p.parts[-3])
    )
    if candidates:
        return str(candidates[-1])
    raise BackupError(f"{tool} was not found: install PostgreSQL's client tools.")
