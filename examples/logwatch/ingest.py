"""Reading application logs: the seed article's reading mistakes."""

import gzip
import json
import os
from contextlib import ExitStack


def parse(text):
    """Split each non-empty line into (timestamp, level, message)."""
    return [line.split(" ", 2) for line in text.splitlines() if line]


def process_logs(directory):
    """The article's example: one descriptor leaked per file in the directory."""
    results = []
    for filename in os.listdir(directory):
        f = open(os.path.join(directory, filename))  # expect: UC101|UC103
        results.append(parse(f.read()))
        # f is never closed
    return results


def load_config(path):
    """Mistake 1: closed only when nothing goes wrong."""
    f = open(path)  # expect: UC102
    data = f.read()
    config = json.loads(data)  # if this raises, f.close() never runs
    f.close()
    return config


def compare_headers(first, second):
    """Mistake 2: rebinding `f` does not close the first file."""
    f = open(first)
    header = f.readline()
    f = open(second)  # expect: UC103
    try:
        return header == f.readline()
    finally:
        f.close()


def first_error(path):
    """Returns from inside the loop with the file still open."""
    f = open(path)  # expect: UC101
    for line in f:
        if " ERROR " in line:
            return line
    f.close()
    return None


def read_version(path):
    return open(path).read().strip()  # expect: UC104


def load_settings(path):
    return json.load(open(path))  # expect: UC104


def count_errors(path):
    errors = 0
    for line in open(path):  # expect: UC104
        if " ERROR " in line:
            errors += 1
    return errors


# ---------------------------------------------------------------- correct code


def process_logs_fixed(directory):
    results = []
    for filename in os.listdir(directory):
        with open(os.path.join(directory, filename)) as f:
            results.append(parse(f.read()))
    return results


def load_config_fixed(path):
    """The try/finally of the article, before `with` existed."""
    f = open(path, "r")
    try:
        data = f.read()
        return json.loads(data)
    finally:
        f.close()


def load_optional(path):
    """A guard in `finally`: nothing to close when open() failed."""
    f = None
    try:
        f = open(path)
        return json.load(f)
    except FileNotFoundError:
        return {}
    finally:
        if f is not None:
            f.close()


def open_log(path):
    """Returns the open file: the caller owns it now."""
    if path.endswith(".gz"):
        return gzip.open(path, "rt")
    return open(path)


def read_all(paths):
    with ExitStack() as stack:
        files = [stack.enter_context(open(p)) for p in paths]
        return [parse(f.read()) for f in files]


def touch(path):
    open(path, "a").close()


class LogFile:
    """Owns its file; closes it in close() and __exit__."""

    def __init__(self, path):
        self.path = path
        self.file = open(path)

    def lines(self):
        return self.file.readlines()

    def close(self):
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False
