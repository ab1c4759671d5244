"""Command line: `python -m logwatch.cli LOGDIR SUMMARY`."""

import argparse
import collections
import sys

from . import export, ingest


def main(argv=None):
    parser = argparse.ArgumentParser(prog="logwatch")
    parser.add_argument("directory")
    parser.add_argument("summary")
    args = parser.parse_args(argv)
    counts = collections.Counter()
    for entries in ingest.process_logs(args.directory):
        counts.update(entry[1] for entry in entries if len(entry) > 1)
    export.write_summary_fixed(args.summary, counts)
    with open(args.summary) as f:
        sys.stdout.write(f.read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
