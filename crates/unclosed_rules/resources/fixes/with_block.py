"""Leaks the `with` fix rewrites (UC101, UC102, UC106)."""
import csv
import socket
import sqlite3
import subprocess
import tempfile
import zipfile


def happy_path_close(path):
    f = open(path)
    data = f.read()
    process(data)  # if this raises, f.close() never runs
    f.close()
    return data


def no_close(path):
    f = open(path)
    header = f.readline()
    # a comment in the block

    body = f.read()
    return header + body


def writer(path, rows):
    out = open(path, "w")
    for row in rows:
        out.write(row)
    out.close()  # done


def guarded_close(path):
    f = None
    f = open(path)
    n = len(f.read())
    if f is not None:
        f.close()
    return n


def in_loop(paths):
    total = 0
    for p in paths:
        f = open(p)
        total += len(f.read())
        f.close()
    return total


def in_if(path, wanted):
    if wanted:
        f = open(path, "rb")
        magic = f.read(4)
        f.close()
        return magic
    return None


def derived_reader(path):
    f = open(path, newline="")
    reader = csv.reader(f)
    rows = [row for row in reader]
    return rows


def socket_leak(host):
    s = socket.create_connection((host, 80))
    s.sendall(b"ping")
    reply = s.recv(4)
    return reply


def zip_writer(path, names):
    archive = zipfile.ZipFile(path, "w")
    for name in names:
        archive.write(name)
    archive.close()


def sqlite_has_no_closing_with(path):
    conn = sqlite3.connect(path)
    rows = conn.execute("select 1").fetchall()
    conn.close()
    return rows


def temporary_directory():
    tmp = tempfile.TemporaryDirectory()
    use(tmp.name)
    tmp.cleanup()


def sequential(a, b):
    f = open(a)
    first = f.read()
    f.close()
    f = open(b)
    second = f.read()
    f.close()
    return first + second


def empty_block(path):
    f = open(path, "w")


def multi_line_call(path):
    f = open(
        path,
        "w",
    )
    f.write(
        make()
    )
    f.close()


def process_waited(cmd):
    proc = subprocess.Popen(cmd)
    report(proc.pid)
    proc.wait()


def acquired_in_finally(handler):
    try:
        handler.emit()
    finally:
        handler.close()
        f = open("test.log")
        data = f.read()
        f.close()
    return data


log = open("module.log", "a")
log.write(message())
log.close()
