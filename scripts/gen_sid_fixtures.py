#!/usr/bin/python3
"""Writes test/fixtures/sid_kmeans.json: scikit-learn Lloyd k-means references for gr2's `kmeans`.

Each case holds float32 data (stored as the shortest decimal that rounds back to the same float32), explicit initial centroids (rows
of the data) and what sklearn.cluster.KMeans(init=<those>, n_init=1, algorithm='lloyd', tol=0, max_iter=500)
converges to: labels, centroids and inertia (float64 recomputation from the returned centroids). Run with the
system Python:

    /usr/bin/python3 scripts/gen_sid_fixtures.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn.cluster import KMeans

rng = np.random.default_rng(20261129)
cases = []


def f32_list(a):
    """Shortest decimals that round to the same float32 (JS Float32Array.from restores them exactly)."""
    return [float(np.format_float_positional(v, unique=True)) for v in np.asarray(a, dtype=np.float32).ravel()]


for name, n, d, k, centres in [("blobs_400x6_k8", 400, 6, 8, 10), ("blobs_600x12_k16", 600, 12, 16, 30), ("gauss_300x3_k5", 300, 3, 5, 1)]:
    c = rng.normal(0, 4, size=(centres, d))
    x = (c[rng.integers(0, centres, size=n)] + rng.normal(0, 1, size=(n, d))).astype(np.float32)
    init = x[rng.choice(n, size=k, replace=False)].copy()
    km = KMeans(n_clusters=k, init=init.astype(np.float64), n_init=1, algorithm="lloyd", tol=0.0, max_iter=500)
    km.fit(x.astype(np.float64))
    cent = km.cluster_centers_
    d2 = ((x.astype(np.float64)[:, None, :] - cent[None, :, :]) ** 2).sum(-1)
    cases.append(
        {
            "name": name,
            "n": n,
            "d": d,
            "k": k,
            "x": f32_list(x),
            "init": f32_list(init),
            "labels": km.labels_.tolist(),
            "centroids": cent.ravel().tolist(),
            "inertia": float(d2.min(1).sum()),
            "iterations": int(km.n_iter_),
        }
    )
out = {"generator": "scripts/gen_sid_fixtures.py", "sklearn": sklearn.__version__, "cases": cases}
path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "sid_kmeans.json")
with open(path, "w") as f:
    json.dump(out, f)
print(f"wrote {path}: {len(cases)} cases")
