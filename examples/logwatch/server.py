"""A tiny TCP log receiver and health checks: sockets and HTTP responses."""

import socket
import urllib.request
from contextlib import closing


def fetch_banner(host, port):
    """The article's socket example: closed only if every call succeeds."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # expect: UC102
    s.connect((host, port))
    s.sendall(b"HELLO\r\n")
    response = s.recv(4096)
    s.close()
    return response


def send_line(host, port, line):
    conn = socket.create_connection((host, port), timeout=5)  # expect: UC101
    conn.sendall(line.encode() + b"\n")


def echo_once(port):
    """Answers one client; an empty request returns without closing it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen(1)
        conn, addr = listener.accept()  # expect: UC101
        data = conn.recv(1024)
        if not data:
            return None
        conn.sendall(data)
        conn.close()
        return addr


def check_health(url):
    resp = urllib.request.urlopen(url, timeout=3)  # expect: UC101
    return resp.status == 200


# ---------------------------------------------------------------- correct code


def fetch_status(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.connect((host, port))
        s.sendall(b"STATUS\r\n")
        return s.recv(4096)


def fetch_page(url):
    """contextlib.closing, as in the article."""
    with closing(urllib.request.urlopen(url)) as page:
        return page.read()


def serve(port, handle, max_clients=10):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        for _ in range(max_clients):
            conn, _addr = listener.accept()
            with conn:
                handle(conn)
    finally:
        listener.close()


def wakeup_pair():
    """Both ends are handed to the caller, or closed if setting them up fails."""
    r, w = socket.socketpair()
    try:
        r.setblocking(False)
    except BaseException:
        r.close()
        w.close()
        raise
    return r, w
