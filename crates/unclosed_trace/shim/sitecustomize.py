# unclosed trace: the run-time shim.
#
# `unclosed trace` puts the directory holding this file first on PYTHONPATH,
# so every Python process of the traced command (the command itself, its
# subprocesses, multiprocessing children) imports it as `sitecustomize` at
# startup. It never edits the user's files. It then imports the next
# `sitecustomize` on sys.path, so a distribution's own (Debian ships one)
# still runs.
#
# Design (see docs/trace.md):
# - Acquisitions are seen by wrapping constructors (builtins.open, os.open,
#   os.pipe, os.scandir, Popen, ZipFile, sqlite3.connect, ...), patched
#   lazily when their module is first imported, and by an audit hook
#   (socket.__new__ hands us the new socket object itself). Each one is
#   counted per acquisition site: the first frame outside the stdlib,
#   site-packages and this shim, plus a short stack of user frames.
# - A side table keyed by id() and checked by type (Android CloseGuard's
#   design) maps live objects to their site, holding only weak references,
#   so tracking never keeps anything alive.
# - Leaks are found three ways: a ResourceWarning (hook on
#   warnings._showwarnmsg, which keeps `source`) = closed by GC; a weakref
#   callback on objects CPython finalizes silently (ZipFile, sqlite3 before
#   3.13, mmap, selectors, NamedTemporaryFile, pools) = closed by GC; and a
#   scan at exit (after gc.collect()) of objects still open, of raw
#   descriptors never closed, and of /proc/self/fd against the snapshot
#   taken here = open at exit / never closed.
# - Events go as JSON lines to a per-process file in UNCLOSED_TRACE_DIR,
#   written with the original os functions; acquisitions are aggregated
#   per site and written once at exit.
# - Everything is guarded: a hook that raises would break the user's
#   program (an audit hook that raises aborts the audited operation).
#   Warnings are never turned into errors, and ResourceWarnings that the
#   user's own filters would have ignored are not printed, so the command's
#   output is unchanged.
#
# Works on CPython 3.8-3.13. Keep it free of syntax newer than 3.8.

import sys


def _unclosed_install():
    import os

    out_dir = os.environ.get("UNCLOSED_TRACE_DIR")
    if not out_dir:
        return
    if getattr(sys, "_unclosed_trace_installed", False):
        return
    sys._unclosed_trace_installed = True

    import builtins
    import gc
    import io
    import atexit
    import weakref
    import warnings
    import _thread

    # -- originals, captured before anything is patched -------------------
    _io_open = io.open
    _os_open = os.open
    _os_close = os.close
    _os_write = os.write
    _os_fstat = os.fstat
    _os_listdir = os.listdir
    _os_readlink = os.readlink
    _os_pipe = os.pipe
    _os_dup = os.dup
    _os_scandir = os.scandir
    _os_exit = os._exit
    _getpid = os.getpid
    _getframe = sys._getframe
    _get_ident = _thread.get_ident
    _wref = weakref.ref
    _O_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)

    shim_dir = os.path.dirname(os.path.abspath(__file__))
    try:
        start_cwd = os.getcwd()
    except OSError:
        start_cwd = "/"
    depth = 5
    try:
        depth = max(1, min(50, int(os.environ.get("UNCLOSED_TRACE_STACK", "5"))))
    except ValueError:
        pass

    state = {
        "pid": _getpid(),
        "nonce": os.urandom(4).hex(),
        "done": False,
        "fd_start": {},
        "test": None,
    }

    # -- JSON lines writer -------------------------------------------------
    esc = {i: "\\u%04x" % i for i in range(32)}
    esc[34] = '\\"'
    esc[92] = "\\\\"

    def enc(o):
        if o is None:
            return "null"
        if o is True:
            return "true"
        if o is False:
            return "false"
        t = type(o)
        if t is int:
            return str(o)
        if t is float:
            return repr(o) if o == o and o not in (float("inf"), float("-inf")) else "null"
        if t is str:
            return '"' + o.translate(esc) + '"'
        if t is list or t is tuple:
            return "[" + ",".join([enc(x) for x in o]) + "]"
        if t is dict:
            return "{" + ",".join([enc(str(k)) + ":" + enc(v) for k, v in o.items()]) + "}"
        return enc(str(o))

    def emit(obj):
        try:
            obj["pid"] = state["pid"]
            data = (enc(obj) + "\n").encode("utf-8", "replace")
            path = os.path.join(out_dir, "%d-%s.jsonl" % (state["pid"], state["nonce"]))
            fd = _os_open(path, _O_FLAGS, 0o600)
            try:
                while data:
                    n = _os_write(fd, data)
                    data = data[n:]
            finally:
                _os_close(fd)
        except BaseException:
            pass

    # -- which frames are the user's ---------------------------------------
    lib_dirs = []
    for mod in (os, warnings):
        f = getattr(mod, "__file__", None)
        if f:
            d = os.path.dirname(os.path.abspath(f))
            if d not in lib_dirs:
                lib_dirs.append(d)
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        d = os.path.join(p, "lib", "python%d.%d" % sys.version_info[:2])
        if d not in lib_dirs:
            lib_dirs.append(d)
    lib_dirs = [d.rstrip("/") + "/" for d in lib_dirs]
    test_parts = ("test", "tests", "idle_test")
    fcache = {}
    # multiprocessing's spawn and resource-tracker children run stdlib code
    # through `python -c`: their `<string>` frames are not the user's.
    try:
        with _io_open("/proc/self/cmdline", "rb") as f:
            cmdline = f.read()
        if b"-c\0from multiprocessing" in cmdline:
            fcache["<string>"] = None
    except BaseException:
        pass

    def classify(fn):
        """The absolute file name if `fn` is user code, else None."""
        absn = None
        if fn.startswith("<"):
            # <frozen ...> is the import system; <string>/<stdin> are user code.
            absn = None if fn.startswith("<frozen") else fn
        else:
            a = fn if fn.startswith("/") else os.path.join(start_cwd, fn)
            if "/site-packages/" in a or "/dist-packages/" in a:
                absn = None
            elif a.startswith(shim_dir + "/"):
                absn = None
            else:
                absn = a
                for d in lib_dirs:
                    if a.startswith(d):
                        # The stdlib's own test suites count as user code,
                        # but not regrtest, their runner.
                        rel = a[len(d):]
                        parts = rel.split("/")[:-1]
                        user = any(p in test_parts for p in parts) and not rel.startswith("test/libregrtest/")
                        absn = a if user else None
                        break
        fcache[fn] = absn
        return absn

    stacks = {}  # (file, line) of the acquiring frame -> its first short stack

    def user_stack(skip=2):
        """Short stack of user frames, innermost first, or None.

        Walking frames is the main cost of tracking (on 3.11+ each f_back
        materializes a frame object). So only the frames up to the first
        user one are walked each time; the callers above it are collected
        once per acquiring line, and later acquisitions there reuse that
        stack (the report shows one short stack per site anyway; the test
        that ran is recorded separately, and --tracemalloc gives exact
        per-object tracebacks).
        """
        # `skip` jumps straight over the shim's own frames: sys._getframe(n)
        # materializes only the frame it returns.
        try:
            f = _getframe(skip)
        except ValueError:
            return None
        while f is not None:
            co = f.f_code
            a = fcache.get(co.co_filename, 0)
            if a == 0:
                a = classify(co.co_filename)
            if a is not None:
                break
            f = f.f_back
        else:
            return None
        key = (a, f.f_lineno)
        st = stacks.get(key)
        if st is not None:
            return st
        out = [(a, key[1], co.co_name)]
        budget = 8
        f = f.f_back
        while f is not None and budget and len(out) < depth:
            budget -= 1
            co = f.f_code
            a = fcache.get(co.co_filename, 0)
            if a == 0:
                a = classify(co.co_filename)
            if a is not None:
                out.append((a, f.f_lineno, co.co_name))
            f = f.f_back
        st = tuple(out)
        if len(stacks) < 100000:
            stacks[key] = st
        return st

    def tm_stack(obj):
        """User frames of tracemalloc's allocation traceback, if enabled."""
        try:
            import tracemalloc

            if not tracemalloc.is_tracing():
                return None
            tb = tracemalloc.get_object_traceback(obj)
            if tb is None:
                return None
            out = []
            for fr in reversed(list(tb)):  # newest first
                a = fcache.get(fr.filename, 0)
                if a == 0:
                    a = classify(fr.filename)
                if a is not None:
                    out.append((a, fr.lineno, ""))
                    if len(out) >= depth:
                        break
            return tuple(out) if out else None
        except BaseException:
            return None

    def current_test():
        t = None
        if "_pytest" in sys.modules:
            t = os.environ.get("PYTEST_CURRENT_TEST")
            if t and t.endswith(" (call)"):
                t = t[:-7]
        return t or state["test"]

    # -- the side table ----------------------------------------------------
    # rec: [kind, stack, test, pid, status, probe, describe, hooked]
    # status: 0 open, 1 released, 2 reported. probe(obj) says whether obj is
    # still open; hooked recs (weakref callback + release hooks) are open
    # while their status is 0, and their probes also accept None.
    KIND, STACK, TEST, PID, STATUS, PROBE, DESCRIBE, HOOKED = range(8)
    table = {}  # id(obj) -> (type, rec, weakref or None)
    noref = {}  # id(obj) -> (type, rec) for objects without weakref support
    hooked = {}  # id(weakref) -> (rec, weakref)
    raw_fds = {}  # fd -> (rec, (st_dev, st_ino))
    tmpdirs = {}  # TemporaryDirectory name -> rec
    counts = {}  # (kind, file, line) -> acquisitions
    ctx = {}  # thread id -> [(label, absorb)]
    limits = {"table": 4096, "absorbed": 1024}
    # Resources owned by a tracked object (a Pool's pipes) or acquired with
    # no user frame at all (interpreter and multiprocessing internals): not
    # reported themselves, and their descriptors are not "unknown" at exit.
    absorbed = {}  # id(obj) -> (type, weakref or None)
    absorbed_fds = {}  # fd -> identity

    def context():
        """(label, absorbed) of the innermost tracked constructor running.

        An entry with absorb None marks user code running inside a tracked
        call (a Process's target in a fork child): nothing outside it counts.
        """
        st = ctx.get(_get_ident())
        if not st:
            return None, False
        label = None
        for lab, absorb in reversed(st):
            if absorb is None:
                break
            if absorb:
                return lab, True
            if label is None:
                label = lab
        return label, False

    def new_rec(kind, probe, describe, stack):
        if stack is not None:
            key = (kind, stack[0][0], stack[0][1])
            counts[key] = counts.get(key, 0) + 1
        return [kind, stack, current_test(), state["pid"], 0, probe, describe, False]

    def prune():
        dead = [k for k, e in table.items() if e[2] is not None and e[2]() is None]
        for k in dead:
            del table[k]
        limits["table"] = max(4096, 2 * len(table))

    def absorb(obj):
        try:
            r = _wref(obj)
        except TypeError:
            r = None
            try:
                fd = obj.fileno()
                absorbed_fds[fd] = fd_identity(fd)
            except BaseException:
                pass
        absorbed[id(obj)] = (type(obj), r)
        if len(absorbed) > limits["absorbed"]:
            keep = [(k, e) for k, e in absorbed.items() if e[1] is not None and e[1]() is not None]
            absorbed.clear()
            absorbed.update(keep)
            limits["absorbed"] = max(1024, 2 * len(absorbed))

    def is_absorbed(obj):
        e = absorbed.get(id(obj))
        if e is None or e[0] is not type(obj):
            return False
        return e[1] is None or e[1]() in (None, obj)

    def track(obj, kind, probe, describe, callback=False, aliases=(), stack=None, skip=2):
        """Register a live object. Returns its rec, or None when absorbed."""
        if ctx:
            label, absorbed = context()
            if absorbed:
                absorb(obj)
                return None
            if label is not None:
                kind = label
        if stack is None:
            stack = user_stack(skip + 1)
            if stack is None:
                absorb(obj)
                return None
        rec = new_rec(kind, probe, describe, stack)
        try:
            if callback:
                ref = _wref(obj, on_dead)
                hooked[id(ref)] = (rec, ref)
                rec[HOOKED] = True
            else:
                ref = _wref(obj)
        except TypeError:
            ref = None
        if ref is None:
            if len(noref) > 4096:
                del noref[next(iter(noref))]
            noref[id(obj)] = (type(obj), rec)
        else:
            table[id(obj)] = (type(obj), rec, ref)
        for a in aliases:
            if a is not obj:
                try:
                    table[id(a)] = (type(a), rec, _wref(a))
                except TypeError:
                    pass
        if len(table) > limits["table"]:
            prune()
        return rec

    def lookup(obj):
        k = id(obj)
        e = table.get(k)
        if e is not None and e[0] is type(obj):
            r = e[2]()
            if r is None or r is obj:
                return e[1]
        e = noref.get(k)
        if e is not None and e[0] is type(obj):
            return e[1]
        return None

    def leak(rec, how, detail=None, message=None, dropped=None):
        if rec is not None:
            if rec[STATUS] == 2:
                return
            rec[STATUS] = 2
            ev = {"ev": "leak", "how": how, "kind": rec[KIND], "stack": rec[STACK], "test": rec[TEST]}
        else:
            ev = {"ev": "leak", "how": how, "kind": "unknown", "stack": None, "test": current_test()}
        if detail is not None:
            ev["detail"] = detail
        if message is not None:
            ev["message"] = message
        if dropped is not None:
            ev["dropped"] = dropped
        emit(ev)

    def on_dead(ref):
        # Weakref callback: a silently-finalized object was collected.
        try:
            e = hooked.pop(id(ref), None)
            if e is None or state["done"]:
                return
            rec = e[0]
            if rec[STATUS] != 0 or rec[PID] != state["pid"]:
                return
            probe, describe = rec[PROBE], rec[DESCRIBE]
            # Drop what the probe holds (a selector's epoll, ...) so it is
            # freed now, as it would be without us.
            rec[PROBE] = rec[DESCRIBE] = None
            if probe is not None and not probe(None):
                rec[STATUS] = 1
                return
            leak(rec, "gc", detail=describe(None) if describe else None)
        except BaseException:
            pass

    def released(obj):
        try:
            rec = lookup(obj)
            if rec is not None and rec[STATUS] == 0:
                rec[STATUS] = 1
        except BaseException:
            pass

    # -- probes: is this object still open? ---------------------------------
    def file_open(f):
        return not f.closed

    def file_desc(f):
        n = getattr(f, "name", None)
        return n if isinstance(n, str) else ("fd %s" % n if n is not None else None)

    def sock_open(s):
        return s.fileno() >= 0

    def sock_desc(s):
        parts = []
        for what, fn in (("local", "getsockname"), ("peer", "getpeername")):
            try:
                parts.append("%s %s" % (what, getattr(s, fn)()))
            except BaseException:
                pass
        return ", ".join(parts) or None

    def popen_open(p):
        return p.returncode is None and p.poll() is None

    def popen_desc(p):
        a = getattr(p, "args", None)
        return "pid %s: %s" % (p.pid, a if isinstance(a, str) else " ".join(map(str, a or ())))

    # -- constructor wrappers -----------------------------------------------
    def in_ctx(label, absorb, fn, *a, **k):
        tid = _get_ident()
        st = ctx.get(tid)
        if st is None:
            st = ctx[tid] = []
        st.append((label, absorb))
        try:
            return fn(*a, **k)
        finally:
            st.pop()
            if not st:
                ctx.pop(tid, None)

    def name_like(wrapper, orig):
        for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
            try:
                setattr(wrapper, attr, getattr(orig, attr))
            except BaseException:
                pass
        try:
            wrapper.__wrapped__ = orig
        except BaseException:
            pass
        wrapper._unclosed_wrapped = True
        return wrapper

    def track_file(f, stack=None):
        raw = None
        try:
            b = getattr(f, "buffer", None)
            raw = getattr(b if b is not None else f, "raw", None)
        except BaseException:
            pass
        # track <- track_file <- open_wrapper <- caller
        return track(f, "file", file_open, file_desc, aliases=(raw,) if raw is not None else (), stack=stack, skip=3)

    def open_wrapper(*a, **k):
        f = _io_open(*a, **k)
        try:
            target = a[0] if a else k.get("file")
            if type(target) is int:
                raw_fds.pop(target, None)
            track_file(f)
        except BaseException:
            pass
        return f

    name_like(open_wrapper, _io_open)
    builtins.open = open_wrapper
    io.open = open_wrapper

    def fd_identity(fd):
        try:
            st = _os_fstat(fd)
            return (st.st_dev, st.st_ino)
        except BaseException:
            return None

    def track_fd(fd, kind):
        if ctx:
            label, absorbed = context()
            if absorbed:
                absorbed_fds[fd] = fd_identity(fd)
                return
            if label is not None:
                kind = label
        # user_stack <- track_fd <- os_open/os_pipe/os_dup <- caller
        stack = user_stack(3)
        if stack is None:
            absorbed_fds[fd] = fd_identity(fd)
            return
        rec = new_rec(kind, None, None, stack)
        raw_fds[fd] = (rec, fd_identity(fd))

    def os_open(*a, **k):
        fd = _os_open(*a, **k)
        try:
            track_fd(fd, "fd (os.open)")
        except BaseException:
            pass
        return fd

    def os_pipe():
        r, w = _os_pipe()
        try:
            track_fd(r, "fd (os.pipe)")
            track_fd(w, "fd (os.pipe)")
        except BaseException:
            pass
        return r, w

    def os_dup(fd):
        n = _os_dup(fd)
        try:
            track_fd(n, "fd (os.dup)")
        except BaseException:
            pass
        return n

    def os_close(fd):
        raw_fds.pop(fd, None)
        absorbed_fds.pop(fd, None)
        return _os_close(fd)

    def os_scandir(*a, **k):
        it = _os_scandir(*a, **k)
        try:
            track(it, "os.scandir", None, None)
        except BaseException:
            pass
        return it

    def os_exit(*a, **k):
        finish()
        return _os_exit(*a, **k)

    for name, fn, orig in (
        ("open", os_open, _os_open),
        ("pipe", os_pipe, _os_pipe),
        ("dup", os_dup, _os_dup),
        ("close", os_close, _os_close),
        ("scandir", os_scandir, _os_scandir),
        ("_exit", os_exit, _os_exit),
    ):
        setattr(os, name, name_like(fn, orig))
        # os.supports_fd & co. hold function objects: shutil.rmtree picks its
        # symlink-attack-safe version only if os.open and os.scandir are in
        # them. The wrappers must keep those capabilities.
        for cap in ("supports_dir_fd", "supports_fd", "supports_follow_symlinks", "supports_effective_ids"):
            caps = getattr(os, cap, None)
            if isinstance(caps, set) and orig in caps:
                caps.add(fn)
    _os_fdopen = os.fdopen  # goes through io.open, so through open_wrapper

    # -- lazy patches of modules that are imported later ---------------------
    def wrap_method(cls, attr, make):
        orig = cls.__dict__.get(attr)
        if orig is None or getattr(orig, "_unclosed_wrapped", False):
            return
        if isinstance(orig, classmethod):
            inner = orig.__func__
            setattr(cls, attr, classmethod(name_like(make(inner), inner)))
        elif isinstance(orig, staticmethod):
            inner = orig.__func__
            setattr(cls, attr, staticmethod(name_like(make(inner), inner)))
        else:
            setattr(cls, attr, name_like(make(orig), orig))

    def ctx_init(label, absorb, register=None):
        """__init__ wrapper: run in a context, then register self."""

        def make(orig):
            def __init__(self, *a, **k):
                in_ctx(label, absorb, orig, self, *a, **k)
                if register is not None:
                    try:
                        register(self)
                    except BaseException:
                        pass

            return __init__

        return make

    def ctx_call(label, absorb, after=None):
        def make(orig):
            def call(*a, **k):
                r = in_ctx(label, absorb, orig, *a, **k)
                if after is not None:
                    try:
                        after(r)
                    except BaseException:
                        pass
                return r

            return call

        return make

    def release_after(orig):
        def close(self, *a, **k):
            try:
                return orig(self, *a, **k)
            finally:
                released(self)

        return close

    def patch_subprocess(m):
        wrap_method(
            m.Popen,
            "__init__",
            ctx_init(
                "subprocess pipe",
                False,
                lambda p: track(p, "subprocess", popen_open, popen_desc),
            ),
        )

    def patch_zipfile(m):
        def reg(z):
            rec = track(z, "zipfile", None, None, callback=True)
            if rec is not None:
                name = getattr(z, "filename", None)
                rec[DESCRIBE] = lambda _o, name=name: name

        def zdel(orig):
            # ZipFile.__del__ calls close(): report before it does.
            def __del__(self):
                try:
                    if not state["done"]:
                        rec = lookup(self)
                        if rec is not None and rec[STATUS] == 0 and getattr(self, "fp", None) is not None:
                            leak(rec, "gc", detail=rec[DESCRIBE](None) if rec[DESCRIBE] else None)
                except BaseException:
                    pass
                return orig(self)

            return __del__

        wrap_method(m.ZipFile, "__init__", ctx_init("zipfile", True, reg))
        wrap_method(m.ZipFile, "close", release_after)
        wrap_method(m.ZipFile, "__del__", zdel)

    def patch_tarfile(m):
        wrap_method(m.TarFile, "__init__", ctx_init("tarfile", False))
        wrap_method(m.TarFile, "open", ctx_call("tarfile", False))
        if hasattr(m, "open"):
            m.open = m.TarFile.open

    def patch_gzip(m):
        wrap_method(m.GzipFile, "__init__", ctx_init("gzip", False))

    def patch_tempfile(m):
        def reg_named(w):
            inner = getattr(w, "file", None)
            if inner is None:
                return
            name = getattr(w, "name", None)
            track(
                w,
                "NamedTemporaryFile",
                lambda _o, inner=inner: not inner.closed,
                lambda _o, name=name: name,
                callback=True,
            )

        def reg_dir(d):
            rec = track(
                d,
                "TemporaryDirectory",
                lambda o: os.path.isdir(o.name),
                lambda o: o.name,
            )
            if rec is not None:
                tmpdirs[str(d.name)] = rec

        for fname in ("NamedTemporaryFile",):
            orig = getattr(m, fname, None)
            if orig is not None and not getattr(orig, "_unclosed_wrapped", False):
                setattr(m, fname, name_like(ctx_call("NamedTemporaryFile", True, reg_named)(orig), orig))
        for fname in ("TemporaryFile", "SpooledTemporaryFile"):
            orig = getattr(m, fname, None)
            if orig is not None and not isinstance(orig, type) and not getattr(orig, "_unclosed_wrapped", False):
                setattr(m, fname, name_like(ctx_call("tempfile", False)(orig), orig))
        for fname in ("mkstemp",):
            orig = getattr(m, fname, None)
            if orig is not None and not getattr(orig, "_unclosed_wrapped", False):
                setattr(m, fname, name_like(ctx_call("fd (tempfile.mkstemp)", False)(orig), orig))
        wrap_method(m.TemporaryDirectory, "__init__", ctx_init("TemporaryDirectory", True, reg_dir))

    def patch_sqlite3(m):
        base = getattr(m, "Connection", None)
        orig_connect = getattr(m, "connect", None)
        if base is None or orig_connect is None or getattr(orig_connect, "_unclosed_wrapped", False):
            return

        class Connection(base):
            def close(self, *a, **k):
                try:
                    return base.close(self, *a, **k)
                finally:
                    released(self)

        Connection.__name__ = "Connection"
        Connection.__qualname__ = "Connection"
        Connection.__module__ = base.__module__

        def connect(*a, **k):
            custom = "factory" in k or len(a) >= 5
            if not custom:
                k["factory"] = Connection
            c = orig_connect(*a, **k)
            try:
                desc = a[0] if a else k.get("database")
                desc = str(desc) if desc is not None else None
                track(c, "sqlite3", None, lambda _o, desc=desc: desc, callback=not custom)
            except BaseException:
                pass
            return c

        m.connect = name_like(connect, orig_connect)

    def patch_mmap(m):
        base = getattr(m, "mmap", None)
        if base is None or getattr(base, "_unclosed_wrapped", False):
            return

        class mmap(base):
            _unclosed_wrapped = True

            def __new__(cls, *a, **k):
                o = base.__new__(cls, *a, **k)
                try:
                    track(o, "mmap", None, None, callback=True)
                except BaseException:
                    pass
                return o

            def close(self):
                try:
                    return base.close(self)
                finally:
                    released(self)

            def __exit__(self, *a):
                try:
                    return base.__exit__(self, *a)
                finally:
                    released(self)

        mmap.__qualname__ = "mmap"
        mmap.__module__ = base.__module__
        m.mmap = mmap

    def patch_selectors(m):
        for cname in ("EpollSelector", "DevpollSelector", "KqueueSelector"):
            cls = getattr(m, cname, None)
            if cls is None:
                continue

            def reg(sel):
                inner = getattr(sel, "_selector", None)
                if inner is None or not hasattr(inner, "closed"):
                    return
                track(
                    sel,
                    "selector",
                    lambda _o, inner=inner: not inner.closed,
                    None,
                    callback=True,
                )

            if "__init__" in cls.__dict__:
                wrap_method(cls, "__init__", ctx_init("selector", True, reg))
            else:
                orig_init = cls.__init__

                def __init__(self, *a, _orig=orig_init, _reg=reg, **k):
                    in_ctx("selector", True, _orig, self, *a, **k)
                    try:
                        _reg(self)
                    except BaseException:
                        pass

                cls.__init__ = name_like(__init__, orig_init)

    def patch_pool(m):
        wrap_method(
            m.Pool,
            "__init__",
            ctx_init(
                "multiprocessing.Pool",
                True,
                lambda p: track(p, "multiprocessing.Pool", None, None, callback=True),
            ),
        )
        # After an explicit close()/terminate() the pool is the user's to
        # join; multiprocessing's own exit handler terminating it is a leak.
        wrap_method(m.Pool, "close", release_after)
        wrap_method(m.Pool, "terminate", release_after)

    def patch_selector_loop(m):
        cls = getattr(m, "BaseSelectorEventLoop", None)
        if cls is None:
            return
        wrap_method(
            cls,
            "__init__",
            ctx_init(
                "asyncio event loop",
                True,
                lambda lp: track(lp, "asyncio event loop", lambda o: not o.is_closed(), None),
            ),
        )

    def patch_mp_process(m):
        # Process.start's pipes and sentinels belong to the Process object;
        # in a fork child the target runs inside start(), as user code again.
        wrap_method(m.BaseProcess, "start", ctx_call("multiprocessing.Process", True))
        wrap_method(m.BaseProcess, "run", ctx_call(None, None))

    def patch_unittest(m):
        def make(orig):
            def run(self, *a, **k):
                prev = state["test"]
                try:
                    state["test"] = self.id()
                except BaseException:
                    pass
                try:
                    return orig(self, *a, **k)
                finally:
                    state["test"] = prev

            return run

        wrap_method(m.TestCase, "run", make)

    patches = {
        "subprocess": patch_subprocess,
        "zipfile": patch_zipfile,
        "tarfile": patch_tarfile,
        "gzip": patch_gzip,
        "tempfile": patch_tempfile,
        "sqlite3": patch_sqlite3,
        "mmap": patch_mmap,
        "selectors": patch_selectors,
        "multiprocessing.pool": patch_pool,
        "multiprocessing.process": patch_mp_process,
        "asyncio.selector_events": patch_selector_loop,
        "unittest.case": patch_unittest,
    }

    def apply_patch(name, module):
        fn = patches.get(name)
        if fn is None or getattr(module, "_unclosed_patched", False):
            return
        try:
            fn(module)
            module._unclosed_patched = True
        except BaseException:
            pass

    class PatchFinder(object):
        """A meta-path finder that only adds a hook after the real loader."""

        busy = set()

        def find_spec(self, name, path=None, target=None):
            if name not in patches or name in self.busy:
                return None
            self.busy.add(name)
            try:
                spec = None
                for finder in sys.meta_path:
                    if finder is self:
                        continue
                    fs = getattr(finder, "find_spec", None)
                    if fs is None:
                        continue
                    spec = fs(name, path, target)
                    if spec is not None:
                        break
            except BaseException:
                return None
            finally:
                self.busy.discard(name)
            if spec is None:
                return None
            loader = spec.loader
            orig = getattr(loader, "exec_module", None)
            if orig is None or isinstance(loader, type):
                return spec

            def exec_module(module, _orig=orig, _name=name):
                _orig(module)
                apply_patch(_name, module)

            try:
                loader.exec_module = exec_module
            except BaseException:
                pass
            return spec

    for name in list(patches):
        mod = sys.modules.get(name)
        if mod is not None:
            apply_patch(name, mod)
    sys.meta_path.insert(0, PatchFinder())

    # -- audit hook: sockets, sqlite handles, children we cannot reach ----------
    ok_flags_with_arg = ("-W", "-X", "-Q")

    def python_flags(argv):
        """Why a Python child is not instrumented, or None."""
        if not argv:
            return None
        exe = os.path.basename(str(argv[0]))
        if not exe.startswith("python") and os.path.realpath(str(argv[0])) != os.path.realpath(sys.executable):
            return None
        skip = False
        for a in argv[1:]:
            a = str(a)
            if skip:
                skip = False
                continue
            if not a.startswith("-") or a in ("-", "--") or a.startswith("--"):
                break
            if a in ok_flags_with_arg:
                skip = True
                continue
            if a[:2] in ok_flags_with_arg:
                continue
            letters = a[1:]
            for i, ch in enumerate(letters):
                if ch in "IES":
                    return "python -%s" % ch
                if ch in "cm":
                    return None
                if ch in "WX":
                    break
        return None

    def child_check(argv, env):
        try:
            argv = list(argv) if not isinstance(argv, (str, bytes)) else [argv]
            argv = [a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a) for a in argv]
            why = python_flags(argv)
            if why is None and env is not None and argv and os.path.basename(argv[0]).startswith("python"):
                try:
                    val = env.get("UNCLOSED_TRACE_DIR") or env.get(b"UNCLOSED_TRACE_DIR")
                except BaseException:
                    val = None
                if not val:
                    why = "env= without UNCLOSED_TRACE_DIR"
            if why is not None:
                emit({"ev": "uninstrumented", "argv": argv[:20], "reason": why})
        except BaseException:
            pass

    def on_socket(args):
        s = args[0]
        track(s, "socket", sock_open, sock_desc)

    def on_sqlite_handle(args):
        # 3.10+: a connection made with a user factory; matched to warnings (3.13+).
        c = args[0]
        if lookup(c) is None:
            track(c, "sqlite3", None, None)

    audit_handlers = {
        "socket.__new__": on_socket,
        "subprocess.Popen": lambda a: child_check(a[1] if a[1] is not None else [a[0]], a[3]),
        "os.exec": lambda a: child_check(a[1], a[2]),
        "os.posix_spawn": lambda a: child_check(a[1], a[2]),
    }

    def audit(event, args):
        try:
            h = audit_handlers.get(event)
            if h is not None and not state["done"]:
                h(args)
        except BaseException:
            pass

    sys.addaudithook(audit)

    # -- warnings: capture ResourceWarning, print only what the user would see --
    our_filter = ("always", None, ResourceWarning, None, 0)
    orig_showwarnmsg = warnings._showwarnmsg
    shown_once = set()

    def ensure_filter():
        if state["done"]:
            return
        try:
            flt = warnings.filters
            if not flt or flt[0] != our_filter:
                while our_filter in flt:
                    flt.remove(our_filter)
                flt.insert(0, our_filter)
        except BaseException:
            pass

    orig_mutated = getattr(warnings, "_filters_mutated", None)
    if orig_mutated is not None:

        def _filters_mutated():
            # Every filter change (simplefilter, catch_warnings, ...) ends
            # here: keep ours first so ResourceWarnings always reach the hook.
            ensure_filter()
            orig_mutated()

        warnings._filters_mutated = name_like(_filters_mutated, orig_mutated)
    ensure_filter()

    def user_action(msg):
        """The action the user's filters (all but ours) give this warning."""
        text = str(msg.message)
        cat = msg.category
        fn = msg.filename or ""
        module = os.path.basename(fn)
        if module.endswith(".py"):
            module = module[:-3]
        for item in warnings.filters:
            if item == our_filter:
                continue
            try:
                action, mre, fcat, modre, ln = item
                if (
                    (mre is None or mre.match(text))
                    and issubclass(cat, fcat)
                    and (modre is None or modre.match(module))
                    and (ln == 0 or msg.lineno == ln)
                ):
                    return action
            except BaseException:
                continue
        return getattr(warnings, "defaultaction", "default")

    def should_show(msg):
        action = user_action(msg)
        if action == "ignore":
            return False
        text = str(msg.message)
        if action == "once":
            key = (text, msg.category)
        elif action == "module":
            key = (text, msg.category, msg.filename)
        elif action == "default":
            key = (text, msg.category, msg.filename, msg.lineno)
        else:
            return True
        if key in shown_once:
            return False
        shown_once.add(key)
        return True

    def on_resource_warning(msg):
        if state["done"]:
            return
        text = str(msg.message)
        src = getattr(msg, "source", None)
        dropped = [str(msg.filename), msg.lineno]
        rec = None
        kind_override = None
        if src is not None:
            rec = lookup(src)
            if rec is None and is_absorbed(src):
                # Owned by a tracked resource (reported itself) or by the
                # runtime's internals: GC order within a cycle is arbitrary.
                return
            if rec is None:
                # asyncio transports own a socket we tracked.
                inner = getattr(src, "_sock", None)
                if inner is not None:
                    rec = lookup(inner)
                    kind_override = "asyncio transport"
        elif text.startswith("Implicitly cleaning up"):
            for name, r in list(tmpdirs.items()):
                if name in text:
                    rec = r
                    tmpdirs.pop(name, None)
                    break
        if rec is not None:
            if rec[STATUS] == 2:
                return
            if rec[PID] != state["pid"]:
                # Acquired before a fork, dropped in this child.
                rec = list(rec)
                rec[STATUS] = 0
            if kind_override:
                rec[KIND] = kind_override
            how = "gc"
            fin = getattr(weakref.finalize, "_shutdown", False)
            if fin:
                how = "exit"
            leak(rec, how, message=text)
            return
        stack = tm_stack(src) if src is not None else None
        if stack is not None:
            leak([kind_of(text), stack, current_test(), state["pid"], 0, None, None], "gc", message=text)
        else:
            leak(None, "gc", message=text, dropped=dropped)

    def kind_of(text):
        for needle, kind in (
            ("unclosed file", "file"),
            ("socket", "socket"),
            ("subprocess", "subprocess"),
            ("scandir", "os.scandir"),
            ("event loop", "asyncio event loop"),
            ("transport", "asyncio transport"),
            ("database", "sqlite3"),
            ("pool", "multiprocessing.Pool"),
            ("Implicitly cleaning up", "TemporaryDirectory"),
        ):
            if needle in text:
                return kind
        return "unknown"

    def showwarnmsg(msg):
        is_rw = False
        try:
            is_rw = issubclass(msg.category, ResourceWarning)
            if is_rw:
                on_resource_warning(msg)
        except BaseException:
            pass
        try:
            show = (not is_rw) or should_show(msg)
        except BaseException:
            # At shutdown the warnings module may be half torn down; a
            # ResourceWarning is ignored by default, so stay silent.
            show = not is_rw
        if show:
            return orig_showwarnmsg(msg)

    warnings._showwarnmsg = name_like(showwarnmsg, orig_showwarnmsg)

    orig_unraisable = getattr(sys, "unraisablehook", None)
    if orig_unraisable is not None:

        def unraisablehook(u):
            try:
                if isinstance(u.exc_value, ResourceWarning) and not state["done"]:
                    leak(None, "gc", message=str(u.exc_value))
            except BaseException:
                pass
            return orig_unraisable(u)

        sys.unraisablehook = name_like(unraisablehook, orig_unraisable)

    # -- descriptors: snapshot now, diff at exit --------------------------------
    def fd_snapshot():
        snap = {}
        try:
            for n in _os_listdir("/proc/self/fd"):
                try:
                    fd = int(n)
                    snap[fd] = _os_readlink("/proc/self/fd/%d" % fd)
                except (ValueError, OSError):
                    pass
        except OSError:
            pass
        return snap

    def fd_kind(target):
        if target.startswith("socket:"):
            return "socket"
        if target.startswith("pipe:"):
            return "pipe"
        if target.startswith("anon_inode:"):
            return target[len("anon_inode:"):].strip("[]")
        if os.path.isdir(target):
            return "directory"
        return "file"

    # -- exit ------------------------------------------------------------------
    def finish():
        if state["done"]:
            return
        try:
            pid = _getpid()
            if pid != state["pid"]:
                return
            try:
                gc.collect()
            except BaseException:
                pass
            state["done"] = True
            claimed = set()
            seen = set()
            entries = list(table.values()) + [(t, r, None) for t, r in noref.values()]
            for _t, rec, ref in entries:
                if id(rec) in seen:
                    continue
                seen.add(id(rec))
                if rec[STATUS] != 0 or rec[PID] != pid or ref is None:
                    continue
                obj = ref()
                if obj is None:
                    continue
                try:
                    probe = rec[PROBE]
                    if probe is None:
                        if not rec[HOOKED]:
                            continue
                    elif not probe(obj):
                        continue
                    desc = rec[DESCRIBE](obj) if rec[DESCRIBE] else None
                except BaseException:
                    continue
                try:
                    fileno = obj.fileno()
                    if isinstance(fileno, int):
                        claimed.add(fileno)
                except BaseException:
                    pass
                leak(rec, "exit", detail=desc)
            now = fd_snapshot()
            for fd, (rec, ident) in list(raw_fds.items()):
                if rec[PID] != pid or fd not in now or ident is None:
                    continue
                if fd_identity(fd) != ident:
                    continue
                claimed.add(fd)
                leak(rec, "never", detail="fd %d -> %s" % (fd, now[fd]))
            for _t, r in list(absorbed.values()):
                o = r() if r is not None else None
                if o is not None:
                    try:
                        fileno = o.fileno()
                        if isinstance(fileno, int) and fileno >= 0:
                            claimed.add(fileno)
                    except BaseException:
                        pass
            for fd, ident in list(absorbed_fds.items()):
                if ident is not None and fd in now and fd_identity(fd) == ident:
                    claimed.add(fd)
            start = state["fd_start"]
            new = []
            for fd, target in sorted(now.items()):
                if fd in claimed or start.get(fd) == target:
                    continue
                if target.startswith(out_dir) or target == "/proc/%d/fd" % pid:
                    continue
                new.append({"fd": fd, "target": target, "kind": fd_kind(target)})
            if new:
                emit({"ev": "fds", "fds": new})
            sites = [{"kind": k, "file": f, "line": ln, "count": n} for (k, f, ln), n in counts.items()]
            emit({"ev": "sites", "sites": sites})
            emit({"ev": "end"})
        except BaseException:
            state["done"] = True
        # Warnings raised while the interpreter tears down must follow the
        # user's filters alone, as they would without us.
        try:
            flt = warnings.filters
            while our_filter in flt:
                flt.remove(our_filter)
            warnings._filters_mutated()
        except BaseException:
            pass

    def after_fork_child():
        try:
            state["pid"] = _getpid()
            state["nonce"] = os.urandom(4).hex()
            state["done"] = False
            counts.clear()
            # Only the forking thread survives a fork; its context goes on.
            mine = ctx.get(_get_ident())
            ctx.clear()
            if mine:
                ctx[_get_ident()] = mine
            state["fd_start"] = fd_snapshot()
            emit({"ev": "start", "ppid": os.getppid(), "fork": True, "argv": list(sys.argv)})
        except BaseException:
            pass

    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=after_fork_child)
    atexit.register(finish)

    tm = os.environ.get("UNCLOSED_TRACE_TRACEMALLOC")
    if tm:
        try:
            import tracemalloc

            if not tracemalloc.is_tracing():
                tracemalloc.start(max(1, int(tm)))
        except BaseException:
            pass

    state["fd_start"] = fd_snapshot()
    emit(
        {
            "ev": "start",
            "ppid": os.getppid(),
            "argv": list(getattr(sys, "orig_argv", None) or sys.argv),
            "executable": sys.executable,
            "version": "%d.%d.%d" % sys.version_info[:3],
            "cwd": start_cwd,
        }
    )


def _unclosed_chain():
    """Import the sitecustomize this one shadows, as site.py would."""
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    try:
        import importlib.machinery
        import importlib.util

        paths = []
        for p in sys.path:
            try:
                if os.path.abspath(p or ".") != here:
                    paths.append(p)
            except Exception:
                pass
        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", paths)
        if spec is None or spec.loader is None:
            return
        module = importlib.util.module_from_spec(spec)
        sys.modules["sitecustomize"] = module
        spec.loader.exec_module(module)
    except Exception as err:
        if sys.flags.verbose:
            sys.excepthook(*sys.exc_info())
        else:
            sys.stderr.write(
                "Error in sitecustomize; set PYTHONVERBOSE for traceback:\n%s: %s\n" % (type(err).__name__, err)
            )


try:
    _unclosed_install()
except Exception:
    pass
_unclosed_chain()
