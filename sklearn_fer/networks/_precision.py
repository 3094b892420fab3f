"""``dtype_policy="auto"``: the fastest Keras dtype policy this machine runs natively."""

import functools
import os
import platform

DTYPE_POLICIES = ("auto", "float32", "mixed_bfloat16", "mixed_float16")
# The CPU flags (as /proc/cpuinfo names them) of native bfloat16 matrix arithmetic.
BFLOAT16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")
# Vector extensions, widest first: a machine without native bfloat16 is described by the widest it has.
VECTOR_CPU_FLAGS = ("avx512f", "avx2")
# Lets a user (or a test) pin what "auto" resolves to, e.g. to compare machines.
ENVIRONMENT_VARIABLE = "SKLEARN_FER_DTYPE_POLICY"


def _cpuinfo_field(name, cpuinfo):
    """The first ``name : value`` of ``/proc/cpuinfo`` (Linux), or None where it cannot be read."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as file:
            for line in file:
                key, separator, value = line.partition(":")
                if separator and key.strip() == name:
                    return value.strip()
    except OSError:
        pass
    return None


def cpu_flags(cpuinfo="/proc/cpuinfo"):
    """The CPU's feature flags (Linux: from ``/proc/cpuinfo``); an empty set where they cannot be read."""
    return frozenset((_cpuinfo_field("flags", cpuinfo) or "").split())


def _flag_name(flag):
    """A /proc/cpuinfo flag as CPU vendors write it: ``avx512_bf16`` -> ``AVX512-BF16``."""
    return flag.upper().replace("_", "-")


def describe_machine(cpuinfo="/proc/cpuinfo"):
    """What a timing ran on: ``"AMD EPYC, 2 cores, AVX512-BF16"`` (CPU model, cores, arithmetic).

    The model comes from ``/proc/cpuinfo`` on Linux, else from :mod:`platform`.
    The arithmetic is the CPU's native bfloat16 flags, or where it has none
    its widest vector extension (``AVX512F``, ``AVX2``), since CPUs of one
    model name differ in both.
    """
    model = _cpuinfo_field("model name", cpuinfo) or platform.processor() or platform.machine() or "unknown CPU"
    flags = cpu_flags(cpuinfo)
    arithmetic = [flag for flag in BFLOAT16_CPU_FLAGS if flag in flags] or [flag for flag in VECTOR_CPU_FLAGS if flag in flags][:1]
    return ", ".join([model, f"{os.cpu_count()} cores", *map(_flag_name, arithmetic)])


def _has_gpu():
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


@functools.lru_cache(maxsize=None)
def _auto_policy():
    pinned = os.environ.get(ENVIRONMENT_VARIABLE)
    if pinned:
        if pinned not in DTYPE_POLICIES[1:]:
            raise ValueError(f"{ENVIRONMENT_VARIABLE}={pinned!r}: expected one of {', '.join(DTYPE_POLICIES[1:])}")
        return pinned, f"{ENVIRONMENT_VARIABLE}={pinned}"
    if _has_gpu():
        return "mixed_float16", "a GPU is present"
    flags = cpu_flags() if platform.system() == "Linux" else frozenset()
    native = [flag for flag in BFLOAT16_CPU_FLAGS if flag in flags]
    if native:
        return "mixed_bfloat16", f"the CPU has {_flag_name(native[0])}"
    return "float32", "no GPU and no native bfloat16 on this CPU"


def resolve_dtype_policy(name):
    """The concrete Keras dtype policy of ``name``: itself, or what ``"auto"`` chooses here.

    ``"auto"``: ``"mixed_float16"`` on a GPU; ``"mixed_bfloat16"`` on a CPU with
    AMX-BF16 or AVX512-BF16 (read from the CPU flags; Linux); ``"float32"``
    otherwise, where reduced precision would be emulated and slower. The
    environment variable ``SKLEARN_FER_DTYPE_POLICY`` pins the choice.
    """
    if name not in DTYPE_POLICIES:
        raise ValueError(f"dtype_policy must be one of {', '.join(map(repr, DTYPE_POLICIES))}, got {name!r}")
    return _auto_policy()[0] if name == "auto" else name


def describe_dtype_policy(name):
    """``"mixed_bfloat16 (auto: the CPU has AVX512-BF16)"``, or the name itself when it is not "auto"."""
    if name != "auto":
        return resolve_dtype_policy(name)
    policy, reason = _auto_policy()
    return f"{policy} (auto: {reason})"


def runs_natively(policy):
    """Whether this machine computes ``policy`` without emulation (float32 always does)."""
    return policy == "float32" or resolve_dtype_policy("auto") == policy
