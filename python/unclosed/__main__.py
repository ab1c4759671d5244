"""``python -m unclosed ARGS``: run the ``unclosed`` executable with ARGS."""

import os
import subprocess
import sys

from unclosed import find_unclosed_bin


def main():
    try:
        binary = find_unclosed_bin()
    except FileNotFoundError as err:
        print("unclosed: error: {}".format(err), file=sys.stderr)
        return 2
    args = [binary] + sys.argv[1:]
    if os.name == "nt":
        # No exec on Windows: run it and pass its exit code through.
        try:
            return subprocess.call(args)
        except KeyboardInterrupt:
            return 130
    os.execv(binary, args)
    return 2  # not reached


if __name__ == "__main__":
    sys.exit(main())
