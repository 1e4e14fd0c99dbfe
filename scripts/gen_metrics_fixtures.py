#!/usr/bin/env python3
"""Writes test/fixtures/metrics_sklearn.json: per-row reference values from scikit-learn for gr2's metrics.

Run with the system Python that has scikit-learn (Debian python3-sklearn):

    /usr/bin/python3 scripts/gen_metrics_fixtures.py

References:
  * sklearn.metrics.ndcg_score (linear gain, log2 discount, tie-averaged DCG since ignore_ties=False);
    the exponential-gain variant is ndcg_score on transformed labels 2^g - 1 (gain(g) = 2^g - 1 for both
    the DCG and the ideal DCG, which is exactly the Burges form);
  * sklearn.metrics.roc_auc_score per row (ties count 1/2), the per-impression AUC of the GR2 TR;
    rows with a single class are stored as null (AUC undefined).
Scores are float32-representable so the float32 batched path sees the same values.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.metrics import ndcg_score, roc_auc_score

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'metrics_sklearn.json')


def case(rng, name, n, K, ks, score_kind, max_grade, p_zero_row=0.1):
    if score_kind == 'int':
        scores = rng.integers(0, 4, size=(n, K)).astype(np.float32)  # many ties
    else:
        scores = rng.standard_normal((n, K)).astype(np.float32)  # no ties (almost surely)
    labels = rng.integers(0, max_grade + 1, size=(n, K)).astype(np.float32)
    labels[rng.random(n) < p_zero_row] = 0  # some rows without any relevant item
    out = {'name': name, 'K': K, 'scores': scores.tolist(), 'labels': labels.tolist(), 'ndcg': {}, 'ndcgExp': {}}
    for k in ks:
        lin, exp = [], []
        for i in range(n):
            y = labels[i:i + 1].astype(np.float64)
            s = scores[i:i + 1].astype(np.float64)
            lin.append(float(ndcg_score(y, s, k=k)))
            exp.append(float(ndcg_score(2.0 ** y - 1.0, s, k=k)))
        out['ndcg'][str(k)] = lin
        out['ndcgExp'][str(k)] = exp
    auc = []
    for i in range(n):
        y = (labels[i] > 0).astype(int)
        auc.append(None if y.min() == y.max() else float(roc_auc_score(y, scores[i].astype(np.float64))))
    out['auc'] = auc
    return out


def main():
    rng = np.random.default_rng(20260207)
    cases = [
        case(rng, 'graded 0..3, integer scores with ties, K=10', 60, 10, [1, 3, 5, 10], 'int', 3),
        case(rng, 'binary, integer scores with ties, K=10', 60, 10, [1, 5, 10], 'int', 1),
        case(rng, 'graded 0..2 (TR), continuous scores, K=10', 60, 10, [1, 3, 5], 'float', 2),
        case(rng, 'graded 0..4, integer scores with ties, K=7', 40, 7, [2, 7], 'int', 4),
    ]
    doc = {
        'generator': 'scripts/gen_metrics_fixtures.py',
        'sklearn': sklearn.__version__,
        'numpy': np.__version__,
        'cases': cases,
    }
    with open(OUT, 'w') as f:
        json.dump(doc, f, separators=(',', ':'))
    print(f'wrote {OUT}: {sum(len(c["scores"]) for c in cases)} rows', file=sys.stderr)


if __name__ == '__main__':
    main()
