"""Resource-heavy workload for bench/trace_overhead.py: many short-lived
files, sockets, sqlite3 connections, zip files, temp files, directory scans
and subprocesses, all closed properly (the cost of tracking, not of leaks)."""
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import zipfile

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1


def main():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "data.txt")
        with open(path, "w") as f:
            f.write("x" * 1000)
        for _ in range(N * 20000):
            with open(path) as f:
                f.read()
        for _ in range(N * 5000):
            fd = os.open(path, os.O_RDONLY)
            os.close(fd)
        for _ in range(N * 3000):
            a, b = socket.socketpair()
            a.close()
            b.close()
        for i in range(N * 300):
            conn = sqlite3.connect(os.path.join(d, "db.sqlite"))
            conn.execute("create table if not exists t (x)")
            conn.close()
        for i in range(N * 300):
            with zipfile.ZipFile(os.path.join(d, "a.zip"), "w") as z:
                z.writestr("a", "b" * 100)
        for _ in range(N * 500):
            with tempfile.NamedTemporaryFile(dir=d) as t:
                t.write(b"x")
        for _ in range(N * 2000):
            with os.scandir(d) as it:
                for _ in it:
                    pass
        for _ in range(N * 20):
            subprocess.run(["true"], check=True)


main()
