#!/usr/bin/python3
"""Validates ONNX models with the ONNX checker (full_check=True: also runs strict shape inference).

    npx tsx scripts/dump_onnx_models.ts [dir]      # writes the kernel graphs (default .cache/onnx_models)
    /usr/bin/python3 scripts/check_onnx_models.py [dir_or_files...]

Exits 1 when any model fails, 2 when the onnx package is missing (apt-get install python3-onnx).
"""
import glob
import os
import sys

try:
    import onnx
    from onnx import checker, shape_inference
except ImportError as e:  # pragma: no cover
    print(f'skipped: the onnx Python package is not importable ({e}); apt-get install python3-onnx')
    sys.exit(2)

args = sys.argv[1:] or [os.path.join(os.path.dirname(__file__), '..', '.cache', 'onnx_models')]
paths = []
for a in args:
    paths += sorted(glob.glob(os.path.join(a, '*.onnx'))) if os.path.isdir(a) else [a]
if not paths:
    print('no .onnx files found in', args)
    sys.exit(1)

failed = 0
for p in paths:
    try:
        m = onnx.load(p)
        checker.check_model(m, full_check=True)
        inferred = shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
        outs = ', '.join(f'{o.name}:{onnx.TensorProto.DataType.Name(o.type.tensor_type.elem_type).lower()}'
                         f'[{",".join(d.dim_param or str(d.dim_value) for d in o.type.tensor_type.shape.dim)}]'
                         for o in inferred.graph.output)
        print(f'ok    {os.path.basename(p):28s} ir={m.ir_version} opset={m.opset_import[0].version} '
              f'nodes={len(m.graph.node):3d} outputs: {outs}')
    except Exception as e:  # noqa: BLE001
        failed += 1
        print(f'FAIL  {os.path.basename(p)}: {str(e).splitlines()[0] if str(e) else type(e).__name__}')
print(f'onnx {onnx.__version__}: {len(paths) - failed}/{len(paths)} models pass check_model(full_check=True)')
sys.exit(1 if failed else 0)
