#!/usr/bin/python3
"""Writes test/fixtures/backend_kernels.json: independent references for the backend kernels.

Inputs are float32 (stored as the exact float64 value of each float32); expected outputs are computed in
float64 by numpy (nearest: argmin of exact squared distances, first index on ties; accumulate: np.add.at;
matMul: float64 product, plus |op(a)|·|op(b)| for the float32 error bound) and torch 1.13
(log_softmax in float64, then gather). Run with the system Python:

    /usr/bin/python3 scripts/gen_backend_fixtures.py
"""
import json
import os

import numpy as np
import torch

rng = np.random.default_rng(20260214)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def lst(a):
    return np.asarray(a, dtype=np.float64).ravel().tolist()


def nearest_case(name, x, c):
    x, c = f32(x), f32(c)
    d = ((x.astype(np.float64)[:, None, :] - c.astype(np.float64)[None, :, :]) ** 2).sum(-1)
    idx = d.argmin(1)  # first index on exact ties
    srt = np.sort(d, 1)
    gap = (srt[:, 1] - srt[:, 0]) if c.shape[0] > 1 else np.full(x.shape[0], np.inf)
    return {'name': name, 'x': lst(x), 'xShape': list(x.shape), 'c': lst(c), 'cShape': list(c.shape),
            'index': idx.tolist(), 'distance': lst(d.min(1)), 'gap': [float(g) if np.isfinite(g) else 1e300 for g in gap]}


def accumulate_case(name, x, index, k):
    x = f32(x)
    sums = np.zeros((k, x.shape[1]))
    np.add.at(sums, index, x.astype(np.float64))
    counts = np.bincount(index, minlength=k)
    return {'name': name, 'x': lst(x), 'xShape': list(x.shape), 'index': list(map(int, index)), 'k': k,
            'sums': lst(sums), 'counts': counts.tolist()}


def matmul_case(name, a, b, ta, tb):
    a, b = f32(a), f32(b)
    A = a.astype(np.float64).T if ta else a.astype(np.float64)
    B = b.astype(np.float64).T if tb else b.astype(np.float64)
    return {'name': name, 'a': lst(a), 'aShape': list(a.shape), 'b': lst(b), 'bShape': list(b.shape),
            'transposeA': ta, 'transposeB': tb, 'y': lst(A @ B), 'yShape': [A.shape[0], B.shape[1]],
            'absBound': lst(np.abs(A) @ np.abs(B))}


def lsg_case(name, logits, ids):
    logits = f32(logits)
    t = torch.from_numpy(logits.astype(np.float64))
    lp = torch.log_softmax(t, dim=-1).gather(-1, torch.from_numpy(np.asarray(ids, dtype=np.int64))[..., None])[..., 0]
    out = lp.numpy()
    return {'name': name, 'logits': [v if np.isfinite(v) else ('-Infinity' if v < 0 else 'Infinity') for v in lst(logits)],
            'dims': list(logits.shape), 'ids': np.asarray(ids).ravel().tolist(),
            'logp': [v if np.isfinite(v) else ('-Infinity' if v < 0 else 'NaN' if np.isnan(v) else 'Infinity') for v in lst(out)]}


nearest = [
    nearest_case('gaussian 40x5, k=7', rng.normal(size=(40, 5)), rng.normal(size=(7, 5))),
    nearest_case('k=1', rng.normal(size=(30, 3)), rng.normal(size=(1, 3))),
    nearest_case('d=1', rng.normal(size=(25, 1)), rng.normal(size=(6, 1))),
]
# far from the origin, close to a centre: |x|^2 ~ 8e4 while distances ~ 1e-3 (the fast formula alone fails)
cent = 100 + rng.normal(size=(16, 8))
pick = rng.integers(0, 16, size=50)
nearest.append(nearest_case('offset 100, tight clusters', cent[pick] + 0.01 * rng.normal(size=(50, 8)), cent))
# integer grid: many exact ties, resolved to the first index; includes a duplicated centre
grid_c = np.array([[0, 0], [2, 0], [0, 2], [2, 2], [2, 0]], dtype=np.float64)
grid_x = np.array([[1, 0], [1, 1], [0, 1], [2, 1], [1, 2], [3, 3], [2, 0], [-1, -1]], dtype=np.float64)
nearest.append(nearest_case('grid with exact ties and a duplicated centre', grid_x, grid_c))

accumulate = [
    accumulate_case('60x4, k=5', rng.normal(size=(60, 4)), rng.integers(0, 5, size=60), 5),
    accumulate_case('k=1', rng.normal(size=(20, 3)), np.zeros(20, dtype=int), 1),
    accumulate_case('d=1, an empty cluster', rng.normal(size=(15, 1)), rng.choice([0, 1, 3], size=15), 4),
]

matmul = []
for ta in (False, True):
    for tb in (False, True):
        a = rng.normal(size=(3, 4) if ta else (4, 3))
        b = rng.normal(size=(5, 3) if tb else (3, 5))
        matmul.append(matmul_case(f'4x3 by 3x5, transposeA={ta}, transposeB={tb}', a, b, ta, tb))
matmul.append(matmul_case('1x1', [[3.0]], [[-2.5]], False, False))
matmul.append(matmul_case('inner 64, scale 10', 10 * rng.normal(size=(6, 64)), rng.normal(size=(64, 7)), False, False))

lsg_logits = rng.normal(size=(2, 3, 11)) * 3
lsg_logits[1, 2, 4] = -np.inf  # a -inf logit that is not the target
lsg = [
    lsg_case('2x3x11', lsg_logits, rng.integers(0, 11, size=(2, 3))),
    lsg_case('vocab 1', np.array([[[5.0]]]), [[0]]),
    lsg_case('1x4x257, scale 10', rng.normal(size=(1, 4, 257)) * 10, rng.integers(0, 257, size=(1, 4))),
]

path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'backend_kernels.json')
with open(path, 'w') as f:
    json.dump({'generator': 'scripts/gen_backend_fixtures.py', 'numpy': np.__version__, 'torch': torch.__version__,
               'nearest': nearest, 'accumulate': accumulate, 'matMul': matmul, 'logSoftmaxGather': lsg}, f)
print('wrote', os.path.normpath(path), os.path.getsize(path), 'bytes')
