# Runs before the user's program so that the interpreter looks like Debian 12's python3 3.11.2 on the host:
# the World's clock, the host's identity, Linux's errno numbers, Debian's paths. The user's program is then
# compiled under its own name and run as __main__; a traceback shows only its frames and the library's.
import builtins as _b
import os as _os
import sys as _sys
import time as _time

_C = _CFG

# --- the clock
_real_time = _time.time
_real_time_ns = _time.time_ns
_offset = _C["now"] - _real_time()


def _now():
    return _real_time() + _offset


def _wrap_time(fn):
    def wrapper(secs=None):
        return fn(_now() if secs is None else secs)

    wrapper.__name__ = fn.__name__
    wrapper.__qualname__ = fn.__qualname__
    wrapper.__doc__ = fn.__doc__
    return wrapper


_time.time = _now
_time.time_ns = lambda: _real_time_ns() + int(_offset * 1_000_000_000)
_time.gmtime = _wrap_time(_time.gmtime)
_time.localtime = _wrap_time(_time.localtime)
_time.ctime = _wrap_time(_time.ctime)
_real_strftime = _time.strftime
_real_asctime = _time.asctime


def _strftime(fmt, t=None):
    return _real_strftime(fmt, _time.localtime() if t is None else t)


def _asctime(t=None):
    return _real_asctime(_time.localtime() if t is None else t)


_time.strftime = _strftime
_time.asctime = _asctime

import datetime as _dt  # noqa: E402

_base_dt = _dt.datetime
_base_date = _dt.date


class datetime(_base_dt):
    @classmethod
    def now(cls, tz=None):
        return cls.fromtimestamp(_now(), tz)

    @classmethod
    def utcnow(cls):
        return cls.fromtimestamp(_now(), _dt.timezone.utc).replace(tzinfo=None)

    @classmethod
    def today(cls):
        return cls.fromtimestamp(_now())


class date(_base_date):
    @classmethod
    def today(cls):
        return cls.fromtimestamp(_now())


for _cls, _name in ((datetime, "datetime"), (date, "date")):
    _cls.__module__ = "datetime"
    _cls.__name__ = _name
    _cls.__qualname__ = _name
_dt.datetime = datetime
_dt.date = date

# --- who and where
_os.getuid = lambda: _C["uid"]
_os.geteuid = lambda: _C["uid"]
_os.getgid = lambda: _C["gid"]
_os.getegid = lambda: _C["gid"]
_os.getgroups = lambda: list(_C["groups"])
_os.getlogin = lambda: _C["login"]
_os.getpid = lambda: _C["pid"]
_os.getppid = lambda: _C["ppid"]
_os.cpu_count = lambda: _C["cpus"]
_os.getloadavg = lambda: tuple(_C["load"])
_uname = _os.uname_result(tuple(_C["uname"]))
_os.uname = lambda: _uname
_sys.platform = "linux"
_sys.version = "3.11.2 (main, Mar 13 2023, 12:18:29) [GCC 12.2.0]"
_sys.hexversion = 0x30B02F0
_sys.executable = "/usr/bin/python3"
_sys._base_executable = "/usr/bin/python3"
for _attr in ("prefix", "exec_prefix", "base_prefix", "base_exec_prefix"):
    setattr(_sys, _attr, "/usr")


class _VersionInfo(tuple):
    major = property(lambda s: s[0])
    minor = property(lambda s: s[1])
    micro = property(lambda s: s[2])
    releaselevel = property(lambda s: s[3])
    serial = property(lambda s: s[4])

    def __repr__(self):
        return "sys.version_info(major=%d, minor=%d, micro=%d, releaselevel=%r, serial=%d)" % self


_sys.version_info = _VersionInfo((3, 11, 2, "final", 0))
try:
    _sys.implementation.version = _sys.version_info
    _sys.implementation.cache_tag = "cpython-311"
    _sys.implementation._multiarch = "x86_64-linux-gnu"
except Exception:
    pass

import importlib.machinery as _machinery  # noqa: E402

_real_path = list(_sys.path)
_sys.path[:] = [
    _C["path0"],
    "/usr/lib/python311.zip",
    "/usr/lib/python3.11",
    "/usr/lib/python3.11/lib-dynload",
    "/usr/local/lib/python3.11/dist-packages",
    "/usr/lib/python3/dist-packages",
]


class _Stdlib:
    """Finds the standard library where this interpreter keeps it."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if path is not None:
            return None
        return _machinery.PathFinder.find_spec(name, _real_path, target)


_sys.meta_path.append(_Stdlib)

import platform as _platform  # noqa: E402

_platform.libc_ver = lambda *a, **k: ("glibc", "2.36")
try:
    import socket as _socket

    _socket.gethostname = lambda: _C["uname"][1]
except Exception:
    pass

# --- Linux's errno numbers and the files' own names in errors
_ERRNO = {44: 2, 2: 13, 20: 17, 31: 21, 54: 20, 63: 1, 51: 28, 55: 39, 28: 22, 8: 9, 52: 38}
_TEXT = {
    2: "No such file or directory",
    13: "Permission denied",
    17: "File exists",
    21: "Is a directory",
    20: "Not a directory",
    1: "Operation not permitted",
    28: "No space left on device",
    39: "Directory not empty",
    22: "Invalid argument",
    9: "Bad file descriptor",
    38: "Function not implemented",
}


def _clean(p):
    if isinstance(p, str) and p.startswith("/host"):
        return p[5:] or "/"
    return p


def _linux_error(e):
    n = _ERRNO.get(e.errno, e.errno)
    if e.errno is None:
        return e
    args = (n, _TEXT.get(n, e.strerror))
    if e.filename is not None:
        args += (_clean(e.filename),)
        if e.filename2 is not None:
            args += (None, _clean(e.filename2))
    try:
        return type(e)(*args)
    except Exception:
        return OSError(*args)


def _linux(fn):
    def wrapper(*a, **k):
        try:
            return fn(*a, **k)
        except OSError as e:
            raise _linux_error(e) from None

    wrapper.__name__ = getattr(fn, "__name__", "wrapper")
    wrapper.__qualname__ = getattr(fn, "__qualname__", "wrapper")
    wrapper.__doc__ = getattr(fn, "__doc__", None)
    return wrapper


_real_open = _b.open


def open(file, mode="r", *args, **kwargs):  # noqa: A001
    try:
        return _real_open(file, mode, *args, **kwargs)
    except FileNotFoundError as e:
        # the interpreter reports a file it may not read as missing: it is there, so it was the permission
        try:
            _os.stat(file)
        except OSError:
            raise _linux_error(e) from None
        raise PermissionError(13, "Permission denied", _clean(e.filename if e.filename is not None else file)) from None
    except OSError as e:
        raise _linux_error(e) from None


open.__module__ = "io"
_b.open = open
import io as _io  # noqa: E402

_io.open = _b.open
for _name in (
    "listdir", "stat", "lstat", "scandir", "remove", "unlink", "mkdir", "makedirs", "rmdir", "chdir", "rename",
    "replace", "chmod", "utime", "access", "readlink", "symlink", "link", "truncate",
):
    if hasattr(_os, _name):
        setattr(_os, _name, _linux(getattr(_os, _name)))
_real_abspath = _os.path.abspath
_real_realpath = _os.path.realpath
_os.path.abspath = lambda p: _clean(_real_abspath(p))
_os.path.realpath = lambda p, *a, **k: _clean(_real_realpath(p, *a, **k))


def _no_processes(*a, **k):
    raise OSError(38, "Function not implemented")


_os.system = lambda cmd: 32512
for _name in ("fork", "forkpty", "execv", "execve", "execvp", "execvpe", "spawnv", "spawnve", "posix_spawn", "posix_spawnp"):
    if hasattr(_os, _name):
        setattr(_os, _name, _no_processes)

# --- run the program as __main__
import traceback as _tb  # noqa: E402

_LIB = ("/lib/python313.zip/", "/tmp/stdlib/", "/lib/python3.13/")


def _frame_ok(f):
    return f.filename not in ("<frozen site>", "/tmp/_jb_script.py")


def _rewrite(text):
    for prefix in _LIB:
        text = text.replace(prefix, "/usr/lib/python3.11/")
    text = text.replace('"/host/', '"/').replace("'/host/", "'/")
    text = text.replace("emscripten does not support processes.", "Function not implemented")
    return text


def _report(e):
    te = _tb.TracebackException(type(e), e, e.__traceback__, capture_locals=False)
    seen = set()
    todo = [te]
    while todo:
        t = todo.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        for f in t.stack:
            f.line  # noqa: B018 (load the source line before the name changes)
        t.stack = _tb.StackSummary.from_list([f for f in t.stack if _frame_ok(f)])
        for nxt in (t.__cause__, t.__context__):
            if nxt is not None:
                todo.append(nxt)
    _sys.stderr.write(_rewrite("".join(te.format())))
    _sys.stderr.flush()


_sys.argv[:] = list(_C["argv"])
_main = {"__name__": "__main__", "__builtins__": _b, "__doc__": None, "__spec__": None, "__package__": None}
if _C["file"] is not None:
    _main["__file__"] = _C["file"]
try:
    if _C["module"] is not None:
        import runpy as _runpy

        _runpy.run_module(_C["module"], run_name="__main__", alter_sys=True)
    else:
        exec(compile(_C["source"], _C["filename"], "exec"), _main)
except SystemExit:
    raise
except BaseException as _e:
    _report(_e)
    _sys.exit(1)
finally:
    try:
        _sys.stdout.flush()
    except Exception:
        pass
