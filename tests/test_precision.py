"""dtype_policy="auto": the fastest precision this machine runs natively; saved models run anywhere."""

import subprocess
import sys

import numpy as np
import pytest

from sklearn_fer.estimators import FNNClassifier, ModernCNNClassifier
from sklearn_fer.networks import _precision, cpu_flags, describe_machine, resolve_dtype_policy


@pytest.mark.parametrize(
    "flags, gpu, expected",
    [
        ("fpu sse avx2 avx512f avx512_bf16", False, "mixed_bfloat16"),
        ("fpu sse avx2 amx_bf16 amx_tile", False, "mixed_bfloat16"),
        ("fpu sse avx2 avx512f", False, "float32"),
        ("fpu sse avx2", True, "mixed_float16"),
    ],
)
def test_auto_reads_the_cpu_flags_and_the_gpu(tmp_path, fresh_auto, flags, gpu, expected):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
    fresh_auto.setattr(_precision, "cpu_flags", lambda: cpu_flags(str(cpuinfo)))
    fresh_auto.setattr(_precision, "_has_gpu", lambda: gpu)
    fresh_auto.setattr(_precision.platform, "system", lambda: "Linux")
    assert resolve_dtype_policy("auto") == expected
    assert resolve_dtype_policy("float32") == "float32"


@pytest.mark.parametrize(
    "model, flags, expected",
    [
        ("AMD EPYC", "fpu avx512f avx512_bf16", "AMD EPYC, {cores} cores, AVX512-BF16"),
        ("Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz", "fpu amx_bf16 avx512_bf16", "Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz, {cores} cores, AMX-BF16, AVX512-BF16"),
        ("AMD EPYC 7B12", "fpu avx avx2", "AMD EPYC 7B12, {cores} cores, AVX2"),
        ("Intel(R) Xeon(R) CPU @ 2.20GHz", "fpu avx2 avx512f", "Intel(R) Xeon(R) CPU @ 2.20GHz, {cores} cores, AVX512F"),
        ("ARM", "fp asimd", "ARM, {cores} cores"),
    ],
)
def test_describe_machine_names_the_cpu_model_its_cores_and_arithmetic(tmp_path, model, flags, expected):
    import os

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: {model}\nflags\t\t: {flags}\n\nprocessor\t: 1\nmodel name\t: other\n")
    assert describe_machine(str(cpuinfo)) == expected.format(cores=os.cpu_count())
    assert describe_machine(str(tmp_path / "missing")).endswith(f", {os.cpu_count()} cores")


def test_auto_falls_back_to_float32_where_flags_cannot_be_read(fresh_auto):
    assert cpu_flags("/nonexistent/cpuinfo") == frozenset()
    fresh_auto.setattr(_precision, "_has_gpu", lambda: False)
    fresh_auto.setattr(_precision.platform, "system", lambda: "Darwin")
    assert resolve_dtype_policy("auto") == "float32"


def test_the_environment_pins_auto_and_bad_names_are_refused(fresh_auto):
    fresh_auto.setenv(_precision.ENVIRONMENT_VARIABLE, "float32")
    assert resolve_dtype_policy("auto") == "float32"
    with pytest.raises(ValueError, match="dtype_policy must be one of 'auto', 'float32'"):
        resolve_dtype_policy("float8")


def test_a_network_records_the_policy_it_was_built_in(faces, fresh_auto):
    fresh_auto.setenv(_precision.ENVIRONMENT_VARIABLE, "mixed_bfloat16")
    network = FNNClassifier(hidden_layer_sizes=(8,), epochs=1, dtype_policy="auto", random_state=0).fit(faces.data[:100], faces.target[:100])
    assert network.dtype_policy == "auto" and network.dtype_policy_ == "mixed_bfloat16"
    assert "mixed_bfloat16" in {layer.dtype_policy.name for layer in network.model_.layers}


def test_a_bfloat16_model_predicts_the_same_classes_in_a_float32_process(tmp_path, faces):
    network = ModernCNNClassifier(widths=(4, 8), head_units=8, epochs=1, dtype_policy="mixed_bfloat16", random_state=0)
    network.fit(faces.data[:200], faces.target[:200])
    network.save(tmp_path / "bf16.keras")
    np.save(tmp_path / "faces.npy", faces.data[200:260])
    code = (
        "import numpy as np, sys; from sklearn_fer.estimators import load_model; "
        f"m = load_model({str(tmp_path / 'bf16.keras')!r}); "
        f"np.save({str(tmp_path / 'pred.npy')!r}, m.predict(np.load({str(tmp_path / 'faces.npy')!r}))); "
        "print(m.dtype_policy_, sorted({l.dtype_policy.name for l in m.model_.layers}))"
    )
    env = {**__import__("os").environ, _precision.ENVIRONMENT_VARIABLE: "float32", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "float32 ['float32']"  # rebuilt: no emulated bfloat16 in that process
    predicted = np.load(tmp_path / "pred.npy")
    assert (predicted == network.predict(faces.data[200:260])).mean() >= 0.95
