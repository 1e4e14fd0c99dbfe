#!/usr/bin/python3
"""Writes test/fixtures/random_python.json: Python's Mersenne Twister stream for a few seeds.

gr2's `Random` promises `random()` equal to Python's `random.random()` after `random.seed(seed)` for integer
seeds in [0, 2**32). Run with the system Python: /usr/bin/python3 scripts/gen_random_fixtures.py
"""
import json
import os
import random

out = {}
for seed in [0, 1, 42, 1234, 2**31 - 1, 2**32 - 1]:
    random.seed(seed)
    out[str(seed)] = [random.random() for _ in range(700)]  # > 624 draws: crosses a state regeneration

path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'random_python.json')
with open(path, 'w') as f:
    json.dump({'generator': 'scripts/gen_random_fixtures.py', 'python_random': out}, f)
print('wrote', os.path.normpath(path))
