"""What a process holds, read from /proc (Linux): for tests and benchmarks that bound it."""

from __future__ import annotations

from pathlib import Path


def _tcp_inodes() -> set[str]:
    """The socket inodes of every TCP connection and listener of the machine."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9:
                inodes.add(fields[9])
    return inodes


def tcp_sockets(pid: int) -> int:
    """TCP sockets a process holds (its pipes and socketpairs to its workers left out); 0 for a
    process that is gone."""
    try:
        links = [str(fd.readlink()) for fd in Path(f"/proc/{pid}/fd").iterdir()]
    except OSError:
        return 0
    sockets = {link[8:-1] for link in links if link.startswith("socket:[")}
    return len(sockets & _tcp_inodes()) if sockets else 0
