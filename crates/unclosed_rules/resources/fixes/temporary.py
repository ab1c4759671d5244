"""Temporaries the UC104 fix rewrites."""
from __future__ import annotations

import csv
import json


def read_text(path):
    return open(path).read()


def read_literal():
    return open("config.ini", encoding="utf-8").read()


def read_bytes(path):
    data = open(path, "rb").read()
    return data


def write_text(path, text):
    n = open(path, "w", encoding="utf-8", errors="strict").write(text)
    return n


def write_bytes(path, blob):
    open(path, "wb").write(blob)


def loads(path):
    config = json.load(open(path))  # parsed once
    return config


def newline_argument_falls_back_to_with(path):
    data = open(path, newline="").read()
    return data


def iterated(path):
    for line in open(path):
        print(line)


def comprehension(path):
    lines = [line.strip() for line in open(path)]
    return lines


def dropped(path):
    open(path, "w")


def conditional_uses_path(path, flag):
    return flag and open(path).read()


def reader_is_not_fixed(path):
    rows = csv.reader(open(path))
    return list(rows)
