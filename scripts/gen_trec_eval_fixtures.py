"""Writes the `gr2 eval` fixtures: a TREC run and qrels (and the same data as ranx / pytrec_eval JSON), plus the
values trec_eval reports for them, computed here from trec_eval's definitions (independently of gr2's code):

- documents are ranked by score descending, ties by docno in decreasing lexical order (trec_eval's rule);
- the evaluated queries are those of the run that have judgments (trec_eval without -c);
- P_k = relevant in the top k / k; recall_k = relevant in the top k / all relevant; success_k = 1 if any relevant
  in the top k; recip_rank = 1 / rank of the first relevant; ndcg_cut_k = DCG@k / IDCG@k with gain = the qrels grade
  and discount log2(rank + 1), the ideal ranking from all judged grades (trec_eval's ndcg_cut).

Run with /usr/bin/python3 scripts/gen_trec_eval_fixtures.py (no third-party packages).
"""
import json
import math
import random

OUT = 'test/fixtures/cli'
rng = random.Random(20261201)

queries = [f'q{i}' for i in range(1, 13)]
docs = [f'd{j:03d}' for j in range(60)]
qrels = {}
for q in queries[:11]:  # q12 is answered by the run but not judged
    judged = rng.sample(docs, 12)
    grades = {d: rng.choice([0, 0, 1, 1, 2]) for d in judged}
    if all(g == 0 for g in grades.values()):
        grades[judged[0]] = 1
    qrels[q] = grades
qrels['q13'] = {'d001': 1, 'd002': 2}  # judged but not answered by the run: skipped (no -c)

run = {}
for q in queries:
    pool = list(qrels.get(q, {}).keys())[:8] + rng.sample(docs, 10)
    seen = []
    for d in pool:
        if d not in seen:
            seen.append(d)
    run[q] = {d: round(rng.uniform(0, 10), 3) for d in seen}
# a tie at the top between a relevant and a non-relevant document: trec_eval puts the larger docno first
rel_doc = next(d for d in run['q1'] if qrels['q1'].get(d, 0) > 0)
non_doc = next(d for d in run['q1'] if qrels['q1'].get(d, 0) == 0)
run['q1'][rel_doc] = run['q1'][non_doc] = 11.0


def ranked(scores):
    return [d for d, _ in sorted(scores.items(), key=lambda kv: (-kv[1], tuple(-ord(c) for c in kv[0])))]


def measures(q):
    ranking = ranked(run[q])
    grades = qrels[q]
    rel = [grades.get(d, 0) for d in ranking]
    num_rel = sum(1 for g in grades.values() if g > 0)
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)
    out = {}
    for k in (1, 5, 10):
        top = rel[:k]
        hits = sum(1 for g in top if g > 0)
        out[f'P_{k}'] = hits / k
        out[f'recall_{k}'] = hits / num_rel
        out[f'success_{k}'] = 1.0 if hits > 0 else 0.0
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(top))
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal[:k]))
        out[f'ndcg_cut_{k}'] = dcg / idcg
    first = next((i for i, g in enumerate(rel) if g > 0), None)
    out['recip_rank'] = 0.0 if first is None else 1 / (first + 1)
    return out


evaluated = [q for q in queries if q in qrels]
per_query = {q: measures(q) for q in evaluated}
names = list(per_query[evaluated[0]].keys())
mean = {m: sum(per_query[q][m] for q in evaluated) / len(evaluated) for m in names}

with open(f'{OUT}/run.trec', 'w') as f:
    for q in queries:
        lines = [f'{q} Q0 {d} {i + 1} {run[q][d]} fixture\n' for i, d in enumerate(ranked(run[q]))]
        rng.shuffle(lines)  # trec_eval ranks by score, not by line order or the rank column
        f.writelines(lines)
with open(f'{OUT}/qrels.trec', 'w') as f:
    for q, grades in qrels.items():
        for d, g in grades.items():
            f.write(f'{q} 0 {d} {g}\n')
with open(f'{OUT}/run.json', 'w') as f:
    json.dump(run, f, indent=1)
with open(f'{OUT}/qrels.json', 'w') as f:
    json.dump(qrels, f, indent=1)
with open(f'{OUT}/trec_eval_reference.json', 'w') as f:
    json.dump({'queries': evaluated, 'mean': mean, 'perQuery': per_query}, f, indent=1)
print(len(evaluated), 'queries;', {m: round(v, 4) for m, v in mean.items()})
