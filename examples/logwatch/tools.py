"""Helpers around processes, temporary files and raw descriptors."""

import os
import subprocess
import tempfile


def sort_lines(lines):
    """The article's Popen example: the child is not waited for if a write fails."""
    proc = subprocess.Popen(  # expect: UC102
        ["sort"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    proc.stdin.write(b"\n".join(lines) + b"\n")
    proc.stdin.close()  # Critical: signals EOF to the child process
    output = proc.stdout.read()
    proc.stdout.close()
    proc.wait()
    return output.splitlines()


def follow(path):
    """Starts `tail -f` and never waits for it or closes its pipe."""
    proc = subprocess.Popen(["tail", "-f", path], stdout=subprocess.PIPE)  # expect: UC101
    return proc.stdout.readline()


def write_pidfile(path):
    """The article's raw descriptor example: os.write may raise before os.close."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)  # expect: UC102|UC107
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)


def ping_pipe():
    r, w = os.pipe()  # expect: UC107
    os.write(w, b"ping")
    return os.read(r, 4)


def scratch_file(data):
    """Keeps the path, forgets the descriptor mkstemp opened."""
    fd, path = tempfile.mkstemp(suffix=".log")  # expect: UC107
    os.write(fd, data)
    return path


# ---------------------------------------------------------------- correct code


def sort_lines_fixed(lines):
    with subprocess.Popen(["sort"], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as proc:
        output, _ = proc.communicate(b"\n".join(lines) + b"\n")
    return output.splitlines()


def disk_usage(path):
    result = subprocess.run(["du", "-s", path], capture_output=True, check=True)
    return int(result.stdout.split()[0])


def write_atomically(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".")
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def write_private(path, text):
    """os.fdopen takes the descriptor over; the with closes both."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def count_open_fds():
    """Count open file descriptors for this process (Linux/macOS)."""
    return len(os.listdir(f"/proc/{os.getpid()}/fd"))


def fd_demo(n=100):
    """The article's measurement: the list owns the files until they are closed."""
    baseline = count_open_fds()
    leaked = []
    for _ in range(n):
        f = open("/dev/null", "r")
        leaked.append(f)  # Keep reference so GC doesn't collect
    opened = count_open_fds() - baseline
    for f in leaked:
        f.close()
    return opened, count_open_fds() - baseline


def in_scratch_dir(work):
    with tempfile.TemporaryDirectory() as tmp:
        return work(tmp)
