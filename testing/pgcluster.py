"""A private PostgreSQL cluster: initdb into a folder of our own, on a free loopback port, started, stopped
and started again at will (the soak stops it for a few seconds), removed at the end.

Never the shared cluster (port 5432, ``PAKAR_TEST_POSTGRES_URL``): other tests use that one and must not see
it stop. initdb refuses to run as root, so as root every server command runs as the ``postgres`` user
(``runuser -u postgres``, Debian's package creates it) and the folder belongs to that user; as anyone else
the commands run as that user. Authentication is scram-sha-256 with a random password, on 127.0.0.1 only.

    with private_cluster(tmp_path) as cluster:
        url = cluster.url          # postgresql://pakar:...@127.0.0.1:<port>/postgres
        cluster.stop()             # fast shutdown: open connections are ended
        cluster.start()
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

ROLE = "pakar"
SERVER_USER = "postgres"  # who runs the server when we are root
START_SECONDS = 60


class ClusterError(RuntimeError):
    """The private cluster could not be made, started or stopped (the command's last output lines say why)."""


def bindir() -> Path | None:
    """The newest PostgreSQL's programs: Debian's /usr/lib/postgresql/<major>/bin, else pg_ctl on PATH."""
    versions = []
    for candidate in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"):
        major = candidate.parent.parent.name
        if major.isdigit():
            versions.append((int(major), candidate.parent))
    if versions:
        return max(versions)[1]
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def missing() -> str | None:
    """Why no private cluster can be made here (None when one can): what to install or which user is needed."""
    if bindir() is None:
        return "PostgreSQL's server programs are not installed (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root needs the {SERVER_USER} user to run initdb (Debian's postgresql package makes it)"
        if shutil.which("runuser") is None:
            return "running as root needs runuser (util-linux) to run initdb as postgres"
    return None


def free_port() -> int:
    """A loopback port nobody listens on now (the server binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    """One private cluster: its folder, port and password."""

    programs: Path
    data: Path
    port: int
    password: str

    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}:{self.password}@127.0.0.1:{self.port}/postgres"

    @property
    def log(self) -> Path:
        return self.data.parent / "server.log"

    def _run(self, program: str, *args: str, timeout: float = START_SECONDS + 30) -> None:
        command = [str(self.programs / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        # From /, so the server user never needs to enter our working directory.
        done = subprocess.run(command, cwd="/", capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
            raise ClusterError(f"{program} {' '.join(args[:2])} failed ({done.returncode}): {tail}")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(START_SECONDS), "-o", options, "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: sessions are ended, as when a database server goes away)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        command = [str(self.programs / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
        return subprocess.run(command, capture_output=True, check=False).returncode == 0


def _owned_by_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVER_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


@contextmanager
def private_cluster(parent: Path | None = None) -> Iterator[Cluster]:
    """A new cluster in a new folder under ``parent`` (the system's temp folder when None), started; stopped
    and removed afterwards, also when the body raises. As root, the postgres user must be able to enter
    ``parent`` (a ``tempfile.mkdtemp`` folder is not: 0700)."""
    why = missing()
    if why is not None:
        raise ClusterError(why)
    programs = bindir()
    assert programs is not None  # missing() said so
    home = Path(tempfile.mkdtemp(prefix="pakar-pg-", dir=parent))
    # The server user must reach the folder (mkdtemp makes it 0700 for us alone) and own its contents.
    os.chmod(home, 0o755)
    _owned_by_server_user(home)
    cluster = Cluster(programs, home / "data", free_port(), secrets.token_urlsafe(18))
    pwfile = home / "pwfile"
    pwfile.write_text(cluster.password + "\n", encoding="ascii")
    os.chmod(pwfile, 0o600)
    _owned_by_server_user(pwfile)
    started = False
    try:
        cluster._run(
            "initdb", "-D", str(cluster.data), "-U", ROLE, f"--pwfile={pwfile}", "-A", "scram-sha-256", "-E", "UTF8"
        )
        pwfile.unlink()
        cluster.start()
        started = True
        yield cluster
    finally:
        if started or cluster.running():
            # ClusterError: already stopped (a run stopped it and failed before starting it again).
            with suppress(ClusterError):
                cluster.stop("immediate")
        shutil.rmtree(home, ignore_errors=True)
