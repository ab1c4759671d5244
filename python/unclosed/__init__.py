"""unclosed: find resource leaks in Python code.

The analyzer is the ``unclosed`` executable that this package installs;
``python -m unclosed`` runs it. :func:`find_unclosed_bin` returns its path.
"""

import os
import sys
import sysconfig

__all__ = ["find_unclosed_bin"]


def find_unclosed_bin():
    """Return the path of the installed ``unclosed`` executable."""
    exe = "unclosed" + (sysconfig.get_config_var("EXE") or "")
    if sys.version_info >= (3, 10):
        user_scheme = sysconfig.get_preferred_scheme("user")
    elif os.name == "nt":
        user_scheme = "nt_user"
    elif sys.platform == "darwin" and getattr(sys, "_framework", None):
        user_scheme = "osx_framework_user"
    else:
        user_scheme = "posix_user"
    candidates = [
        sysconfig.get_path("scripts"),
        sysconfig.get_path("scripts", vars={"base": sys.base_prefix}),
        sysconfig.get_path("scripts", scheme=user_scheme),
    ]
    # `pip install --target DIR`: the scripts land in DIR/bin.
    candidates.append(
        os.path.join(os.path.dirname(os.path.dirname(__file__)), "bin")
    )
    for directory in candidates:
        if not directory:
            continue
        path = os.path.join(directory, exe)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(
        "the unclosed executable was not found in: "
        + ", ".join(c for c in candidates if c)
    )
