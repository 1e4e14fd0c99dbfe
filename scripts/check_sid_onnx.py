#!/usr/bin/python3
"""Validate a gr2 SID encoder ONNX model with the official ONNX checker (and run it with Python ONNX Runtime
when that is installed).

Usage: /usr/bin/python3 scripts/check_sid_onnx.py MODEL.onnx [VECTORS.f32 CODES.i32]

VECTORS.f32 is a raw little-endian float32 [n, d] matrix and CODES.i32 the int32 [n, levels] codes that gr2's
encode() produced for it; with onnxruntime available the model is run on VECTORS and compared with CODES.
Prints one JSON line. Exit code 0 when the checker passes (and the codes match, when compared).
"""
import json
import sys

import numpy as np
import onnx

path = sys.argv[1]
model = onnx.load(path)
onnx.checker.check_model(model, full_check=True)
graph = model.graph


def dims(v):
    return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]


report = {
    "checker": "ok (full_check=True)",
    "onnx": onnx.__version__,
    "ir_version": model.ir_version,
    "opset": [(o.domain or "ai.onnx", o.version) for o in model.opset_import],
    "inputs": [(i.name, dims(i)) for i in graph.input],
    "outputs": [(o.name, dims(o)) for o in graph.output],
    "ops": sorted({n.op_type for n in graph.node}),
}
ok = True
try:
    import onnxruntime as ort  # noqa: F401

    report["onnxruntime"] = ort.__version__
    if len(sys.argv) >= 4:
        levels = dims(graph.output[0])[1]
        d = dims(graph.input[0])[1]
        x = np.fromfile(sys.argv[2], dtype=np.float32).reshape(-1, d)
        expected = np.fromfile(sys.argv[3], dtype=np.int32).reshape(-1, levels)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        got = sess.run(None, {graph.input[0].name: x})[0]
        report["python_ort_codes_equal"] = bool(np.array_equal(got, expected))
        ok = ok and report["python_ort_codes_equal"]
except ImportError:
    report["onnxruntime"] = "not installed for /usr/bin/python3 (no Debian package); model not run in Python"
print(json.dumps(report))
sys.exit(0 if ok else 1)
