import io
import json
from pathlib import Path

f = 1


def existing_import(p):
    return open(p).read()


def fresh_name(p):
    value = json.load(open(p))
    return value, f
