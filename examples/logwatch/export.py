"""Writing reports and archives: leaked writers lose data (UC106)."""

import csv
import gzip
import io
import tarfile
import zipfile


def write_summary(path, counts):
    """The article's buffering example: the data may never reach the disk."""
    f = open(path, "w")  # expect: UC106
    for level, n in sorted(counts.items()):
        f.write(f"{level}\t{n}\n")


def write_csv(path, rows):
    """Closed only when writerows() succeeds."""
    f = open(path, "w", newline="")  # expect: UC106
    csv.writer(f).writerows(rows)
    f.close()


def write_greeting(path):
    """The article's close() mechanics example (closing twice is harmless)."""
    # A constant write lands in the buffer; any I/O error surfaces in
    # close(), which still releases the file: no leak path to report.
    f = open(path, "w")
    f.write("hello")
    f.close()
    f.close()
    return f.closed


def archive_logs(archive, paths):
    """Without close() the zip's central directory is never written."""
    zf = zipfile.ZipFile(archive, "w")  # expect: UC106
    for p in paths:
        zf.write(p)


def bundle(archive, directory):
    tar = tarfile.open(archive, "w:gz")  # expect: UC106
    tar.add(directory)
    return archive


def compress(path, data):
    gz = gzip.open(path + ".gz", "wb")  # expect: UC106
    gz.write(data)


def save(path, data):
    """Mistake 4: when open() fails, `f` is unbound in `finally`."""
    try:
        f = open(path, "w")
        f.write(data)
    except:  # noqa: E722
        pass
    finally:
        f.close()  # expect: UC202


# ---------------------------------------------------------------- correct code


def archive_logs_fixed(archive, paths):
    with zipfile.ZipFile(archive, "w") as zf:
        for p in paths:
            zf.write(p)


def write_summary_fixed(path, counts):
    with open(path, "w") as f:
        for level, n in sorted(counts.items()):
            f.write(f"{level}\t{n}\n")


def copy_log(src, dst):
    """The article's nested try/finally."""
    f1 = open(src, "r")
    try:
        f2 = open(dst, "w")
        try:
            f2.write(f1.read())
        finally:
            f2.close()
    finally:
        f1.close()


def copy_log_with(src, dst):
    with open(src) as fin, open(dst, "w") as fout:
        fout.write(fin.read())


def render(rows):
    """In-memory streams hold no descriptor."""
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()
