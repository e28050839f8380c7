"""What a program reads from outside itself, seen from inside its process (loaded by child.py, so the
standard library only): the environment variables and files its own code reads, the config keys it
reads that its stack does not set (the SDK then takes PULUMI_CONFIG_<KEY> from the environment), the
clock and randomness. Reads by the SDK, the interpreter's libraries or the import system are not the
program's. Files inside the project are part of the reviewed code and not recorded.

Randomness comes from one seeded stream in every run, and the clock starts at the same instant, so
the preview and update runs agree; in the probe run (the gate's one extra run) each random number,
the clock and the files read are changed in a way that cannot come out the same: a value that
depends on them changes with them.
"""

import builtins
import datetime
import io
import json
import os
import random
import sys
import time

PROBE_MARK = "residency-probe"
# Far enough that the year, month, day, hour and minute all differ, and an odd number of seconds.
CLOCK_SHIFT = datetime.timedelta(days=400, hours=13, minutes=17, seconds=11).total_seconds()
# The program's clock advances by this at each read: time passes for it, the same way in every run.
CLOCK_TICK = 0.001
SEED = 0x5EED
FRAMES = 6  # how far up from a read its caller is looked for in the program's own code
SYSTEM_DIRECTORIES = ("/dev/", "/proc/", "/sys/")
# The Pulumi SDK's own use of these (callback tokens, its settings) is not the program's, even when
# the program's call is what led to it.
SDK_DIRECTORY = os.sep + os.path.join("pulumi", "")
CONFIG_ENVIRONMENT = ("PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS")  # the stack's config, set by the gate
TYPED_GETTERS = ("bool", "int", "float", "object")
REGULAR_FILE = 0o100644
BOOLEAN_WORDS = {"true": "false", "false": "true", "yes": "no", "no": "yes", "on": "off", "off": "on"}


class Recorder:
    """What the program's own code reads from outside itself, recorded as it runs; in the probe run,
    also what changes those reads."""

    def __init__(self, root: str, ours: tuple, get_config_code, clock_start: float, probe_files=None):
        """`clock_start`: the time the program's clock starts at; `probe_files`: None, or (in the probe
        run) the files whose content is changed."""
        self._clock_start, self._clock_reads = clock_start, 0
        self._root = os.path.realpath(root) + os.sep
        self._ours = {os.path.realpath(path) for path in ours} | set(ours)
        self._get_config_code = get_config_code
        self._probe_files = None if probe_files is None else {os.path.realpath(p) for p in probe_files}
        self._libraries = tuple(os.path.realpath(p) + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
        self.environment = {}  # name: the value the probe run gives it
        self.config = {}
        self.files = set()
        self.clock = False
        self.randomness = False

    @property
    def probing(self) -> bool:
        return self._probe_files is not None

    def as_dict(self) -> dict:
        return {"environment": self.environment, "config": self.config, "files": sorted(self.files),
                "clock": self.clock, "randomness": self.randomness}

    def install(self) -> None:
        self._record_environment()
        sys.addaudithook(self._audit)
        os.stat = self._stat(os.stat)
        if self.probing:
            builtins.open = io.open = self._probe_open(builtins.open)
        self._install_clock()
        self._install_randomness()

    def from_program(self, depth: int = 2) -> bool:
        """Whether the caller of the function that asks (`depth` frames up) is the program's own code,
        or a library it called."""
        frame = sys._getframe(depth)
        for _ in range(FRAMES):
            if frame is None:
                return False
            path = frame.f_code.co_filename
            if path in self._ours or path.startswith("<frozen importlib") or (
                    SDK_DIRECTORY in path and "site-packages" in path):
                return False
            if path.startswith(self._root) and "site-packages" not in path:
                return True
            frame = frame.f_back
        return False

    # -- the environment and config the stack does not set ---------------------------------

    def _record_environment(self) -> None:
        reads = self

        class RecordingEnviron(type(os.environ)):
            def __getitem__(self, key):
                if reads._program_variable(key, sys._getframe(1)):
                    caller = sys._getframe(1)  # os.getenv and environ.get go through Mapping.get(key, default)
                    default = caller.f_locals.get("default") if caller.f_code.co_name == "get" else None
                    reads.environment[key] = probe_text(self._value(key, default))
                return super().__getitem__(key)

            def __contains__(self, key):
                caller = sys._getframe(1)
                if caller.f_code is reads._get_config_code:
                    reads._config_read(caller, key)
                elif reads._program_variable(key, caller):
                    reads.environment[key] = probe_text(self._value(key, None))
                return super().__contains__(key)

            def _value(self, key, default):
                try:
                    return super().__getitem__(key)
                except KeyError:
                    return default if isinstance(default, str) else None

        environ = os.environ
        # The same variables, read through a mapping that records the names; the process environment is unchanged.
        os.environ = RecordingEnviron(  # noqa: B003
            environ._data, environ.encodekey, environ.decodekey, environ.encodevalue, environ.decodevalue,
        )

    def _program_variable(self, key: str, caller) -> bool:
        """Whether reading `key` is the program reading a variable not yet recorded. The home directory
        that `~` names is not one: what matters is the file read under it, which is recorded itself."""
        return key not in CONFIG_ENVIRONMENT and key not in self.environment and caller.f_code.co_name != "expanduser" \
            and self.from_program(3)

    def _config_read(self, frame, variable: str) -> None:
        """The SDK looks for PULUMI_CONFIG_<KEY> only for a key the stack does not set. The value the
        probe gives it has the type the program asked for, and is not its default."""
        key = frame.f_locals.get("k")
        getter, default = "", None
        caller = frame.f_back
        for _ in range(4):  # Config.get_int -> _get_int -> _get -> get_config
            if caller is None or not caller.f_code.co_filename.endswith(os.path.join("pulumi", "config.py")):
                break
            if not caller.f_code.co_name.startswith("_"):
                getter, default = caller.f_code.co_name, caller.f_locals.get("default")
            caller = caller.f_back
        if isinstance(key, str) and key not in self.config:
            self.config[key] = {"variable": variable, "probe": _config_probe(getter, default)}

    # -- files -----------------------------------------------------------------------------

    def _audit(self, event: str, args: tuple) -> None:
        if event != "open" or self.probing:
            return
        path, mode, flags = args
        if isinstance(path, int) or path is None or not _reads(mode, flags):
            return
        path = os.path.realpath(os.fsdecode(path))
        if self._outside(path) and self.from_program():
            self.files.add(path)

    def _stat(self, original):
        """A file the program looks for (`Path.exists()`, `os.path.isfile()`) before it reads it: in
        the probe run, one that was missing exists, as an empty file that its reads give content."""
        reads = self

        def stat(path, *args, **kwargs):
            if isinstance(path, int):
                return original(path, *args, **kwargs)
            real = os.path.realpath(os.fsdecode(path))
            if reads.probing and real in reads._probe_files:
                try:
                    return original(path, *args, **kwargs)
                except FileNotFoundError:
                    return os.stat_result((REGULAR_FILE, 0, 0, 1, 0, 0, 0, 0, 0, 0))
            if not reads.probing and reads._outside(real) and reads.from_program():
                reads.files.add(real)
            return original(path, *args, **kwargs)

        return stat

    def _outside(self, path: str) -> bool:
        return not path.startswith(self._root) and not path.startswith(self._libraries) \
            and not path.startswith(SYSTEM_DIRECTORIES)

    def _probe_open(self, original):
        reads = self

        def probe_open(file, mode="r", *args, **kwargs):
            if isinstance(file, int) or not isinstance(mode, str) or any(c in mode for c in "wax+"):
                return original(file, mode, *args, **kwargs)
            path = os.path.realpath(os.fsdecode(file))
            if path not in reads._probe_files:
                return original(file, mode, *args, **kwargs)
            try:
                with original(path, "rb") as real:
                    content = real.read().decode("utf-8", "replace")
            except OSError:
                content = ""  # missing here: in the probe it exists
            changed = changed_content(content)
            return io.BytesIO(changed.encode()) if "b" in mode else io.StringIO(changed)

        return probe_open

    # -- the clock -------------------------------------------------------------------------

    def _now(self) -> float:
        """What the program's code reads as the time (the caller of the clock's function): the same in
        every run, the gate's start, a tick later at each read, and shifted in the probe run. Others
        (the SDK, the interpreter) read the real time."""
        if not self.from_program(3):
            return _real_time()
        self.clock = True
        self._clock_reads += 1
        return self._clock_start + self._clock_reads * CLOCK_TICK + (CLOCK_SHIFT if self.probing else 0)

    def _install_clock(self) -> None:
        reads = self

        def clock_time():
            return reads._now()

        def clock_time_ns():
            return int(reads._now() * 1e9)

        def with_now(function):
            def at(seconds=None):
                return function(reads._now() if seconds is None else seconds)
            return at

        def strftime(format, moment=None):
            return _real_strftime(format, _real_localtime(reads._now()) if moment is None else moment)

        time.time, time.time_ns, time.strftime = clock_time, clock_time_ns, strftime
        time.localtime, time.gmtime, time.ctime = with_now(_real_localtime), with_now(time.gmtime), with_now(time.ctime)
        datetime.datetime = _clock_datetime(reads)
        datetime.date = _clock_date(reads)

    # -- randomness ------------------------------------------------------------------------

    def _install_randomness(self) -> None:
        stream = _Stream(SEED, shifted=self.probing)
        reads = self

        def used() -> None:
            if reads.from_program(3):
                reads.randomness = True

        module_random = _ProgramRandom(stream, used)
        for name in dir(random):
            if getattr(getattr(random, name), "__self__", None) is random._inst:
                setattr(random, name, getattr(module_random, name))
        random._inst = module_random

        def urandom(size):
            used()
            return stream.randbytes(size)

        os.urandom = random._urandom = urandom
        system = _Stream(SEED + 1, shifted=self.probing)  # secrets and SystemRandom
        for name, function in (("random", system.random), ("getrandbits", system.getrandbits),
                               ("randbytes", system.randbytes), ("_randbelow", system.randbelow)):
            setattr(random.SystemRandom, name, _recorded(function, used))


def _recorded(function, used):
    def method(self, *args):
        used()
        return function(*args)
    return method


class _Stream:
    """Random numbers from a seeded generator; shifted, each is another that cannot be the same."""

    def __init__(self, seed: int, shifted: bool):
        self._twin = random.Random(seed)
        self._shifted = shifted

    def random(self) -> float:
        value = self._twin.random()
        return (value + 0.5) % 1.0 if self._shifted else value

    def getrandbits(self, k: int) -> int:
        value = self._twin.getrandbits(k)
        return value ^ (1 << (k - 1)) if self._shifted and k > 0 else value

    def randbelow(self, n: int) -> int:
        value = self._twin._randbelow(n)
        return (value + 1) % n if self._shifted else value

    def randbytes(self, n: int) -> bytes:
        data = self._twin.randbytes(n)
        return bytes(b ^ 0x80 for b in data) if self._shifted else data


class _ProgramRandom(random.Random):
    """The module's functions (random.choice, random.random, ...): from the stream until the program
    seeds them itself, which makes them its own, reviewed, choice."""

    def __init__(self, stream: _Stream, used):
        self._stream, self._used, self._own_seed = stream, used, False
        super().__init__()

    def seed(self, a=None, version=2):
        self._own_seed = a is not None
        super().seed(a, version)

    def random(self):
        if self._own_seed:
            return super().random()
        self._used()
        return self._stream.random()

    def getrandbits(self, k):
        if self._own_seed:
            return super().getrandbits(k)
        self._used()
        return self._stream.getrandbits(k)

    def _randbelow(self, n):
        if self._own_seed:
            return self._randbelow_with_getrandbits(n)
        self._used()
        return self._stream.randbelow(n)

    def randbytes(self, n):
        if self._own_seed:
            return super().randbytes(n)
        self._used()
        return self._stream.randbytes(n)


_real_time = time.time
_real_localtime = time.localtime
_real_strftime = time.strftime
_RealDatetime = datetime.datetime
_RealDate = datetime.date


class _Instances(type):
    """isinstance() and issubclass() against the clock's classes accept the real ones' instances."""

    def __instancecheck__(cls, instance):
        return isinstance(instance, cls.__mro__[1])

    def __subclasscheck__(cls, subclass):
        return issubclass(subclass, cls.__mro__[1])


def _clock_datetime(reads):
    class ClockDatetime(_RealDatetime, metaclass=_Instances):
        @classmethod
        def now(cls, tz=None):
            return _RealDatetime.fromtimestamp(reads._now(), tz)

        @classmethod
        def utcnow(cls):
            # datetime.UTC is 3.11 or later; the project's interpreter may be older
            return _RealDatetime.fromtimestamp(reads._now(), datetime.timezone.utc).replace(tzinfo=None)  # noqa: UP017

        @classmethod
        def today(cls):
            return _RealDatetime.fromtimestamp(reads._now())

    ClockDatetime.__name__ = ClockDatetime.__qualname__ = "datetime"
    return ClockDatetime


def _clock_date(reads):
    class ClockDate(_RealDate, metaclass=_Instances):
        @classmethod
        def today(cls):
            return _RealDate.fromtimestamp(reads._now())

    ClockDate.__name__ = ClockDate.__qualname__ = "date"
    return ClockDate


def _reads(mode, flags) -> bool:
    if isinstance(mode, str):
        return "r" in mode or "+" in mode
    return isinstance(flags, int) and flags & os.O_ACCMODE in (os.O_RDONLY, os.O_RDWR)


def changed_content(content: str) -> str:
    """The content of a file, changed the least that changes every value in it: each string of a
    JSON document, else each line that holds a value (not blank, a comment, a [section] or a `key:`)."""
    try:
        document = json.loads(content)
    except ValueError:
        document = None
    if isinstance(document, (dict, list, str)):
        return json.dumps(_changed_strings(document))
    lines = []
    for line in content.splitlines(keepends=True):
        text = line.rstrip("\r\n")
        stripped = text.strip()
        if stripped and not stripped.startswith(("#", ";", "[")) and not stripped.endswith(":"):
            line = f"{text}-{PROBE_MARK}{line[len(text):]}"
        lines.append(line)
    changed = "".join(lines)
    return changed if changed != content else content + PROBE_MARK


def _changed_strings(value):
    if isinstance(value, str):
        return f"{value}-{PROBE_MARK}"
    if isinstance(value, dict):
        return {key: _changed_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_changed_strings(item) for item in value]
    return value


def _config_probe(getter: str, default):
    """A value of the type the program reads the key as (`get_int`, `get_bool`, ...), other than its
    default; None for an object without a default, whose shape only the program knows."""
    kind = next((kind for kind in TYPED_GETTERS if kind in getter), "str")
    if kind == "bool":
        return "false" if default is True else "true"
    if kind in ("int", "float"):
        number = (default if isinstance(default, (int, float)) else 0) + 1
        return str(int(number) if kind == "int" else number + 0.5)
    if kind == "object":
        return None if default is None else json.dumps(_changed_strings(default))
    return probe_text(default if isinstance(default, str) else None)


def probe_text(value: str | None) -> str:
    """Another text than `value` (the one a variable has, or the default the program reads it with)
    that still reads as the same kind of value: a number one more, a boolean word flipped."""
    if not value:
        return PROBE_MARK
    flipped = BOOLEAN_WORDS.get(value.lower())
    if flipped is not None:
        return flipped.upper() if value.isupper() else flipped.capitalize() if value[0].isupper() else flipped
    try:
        return str(int(value) + 1)
    except ValueError:
        pass
    try:
        return str(float(value) + 1.5)
    except ValueError:
        return f"{value}-{PROBE_MARK}"
