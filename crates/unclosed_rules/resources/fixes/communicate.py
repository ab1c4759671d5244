"""UC203 fixes: a Popen written to, then read or waited on, uses communicate()."""
import subprocess
from subprocess import PIPE, Popen


def sort_lines():
    # Fixed: the write and the read become one communicate().
    with Popen(["sort"], stdin=PIPE, stdout=PIPE) as proc:
        proc.stdin.write(b"banana\napple\n")
        output = proc.stdout.read()
    return output


def feed(data):
    # Fixed: the write and the wait become one communicate().
    with subprocess.Popen(["cat"], stdin=PIPE) as p:
        p.stdin.write(data)
        p.wait()


def commented(data):
    with Popen(["cat"], stdin=PIPE) as p:
        p.stdin.write(data)  # a comment the fix would lose: no fix
        p.wait()


def not_adjacent(data):
    with Popen(["cat"], stdin=PIPE) as p:
        p.stdin.write(data)
        print("sent")
        p.wait()  # not the simple form: no fix
