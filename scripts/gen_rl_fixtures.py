#!/usr/bin/python3
"""Writes test/fixtures/rl_*.json: losses and gradients of gr2's RL math computed with torch 1.13 autograd.

Run with Debian's Python (it has torch):  /usr/bin/python3 scripts/gen_rl_fixtures.py
Everything is float64. The reference is written independently of the TypeScript code, in verl's style:
token losses -> aggregation -> torch.autograd.grad with respect to the new log-probs (and the student's
full log-prob rows for the 'full' OPD KL, and the linear weights of a Plackett-Luce policy).
"""
import json
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures')
CLAMP = 20.0


def token_pg(logp, old, adv, eps_lo, eps_hi, dual_c):
    nak = torch.clamp(logp - old, -CLAMP, CLAMP)
    ratio = torch.exp(nak)
    l1 = -adv * ratio
    l2 = -adv * torch.clamp(ratio, 1 - eps_lo, 1 + eps_hi)
    c1 = torch.maximum(l1, l2)
    if dual_c:
        l3 = -adv * dual_c
        c2 = torch.minimum(l3, c1)
        loss = torch.where(adv < 0, c2, c1)
        dual = ((adv < 0) & (l3 < c1)).double()
    else:
        loss = c1
        dual = torch.zeros_like(c1)
    return loss, ratio, nak, dual


def kl_est(logp, ref, est):
    x = torch.clamp(ref - logp, -CLAMP, CLAMP)
    if est == 'k1':
        return -x
    if est == 'k2':
        return 0.5 * x * x
    return torch.exp(x) - x - 1


def agg(mat, mask, mode, norm_const):
    lengths = mask.sum(-1)
    nonempty = lengths > 0
    S = nonempty.sum()
    if mode == 'token-mean':
        return (mat * mask).sum() / mask.sum()
    if mode == 'seq-mean-token-mean':
        seq = (mat * mask).sum(-1)[nonempty] / lengths[nonempty]
        return seq.sum() / S
    if mode == 'seq-mean-token-sum':
        return (mat * mask).sum(-1)[nonempty].sum() / S
    if mode == 'seq-mean-token-sum-norm':
        return (mat * mask).sum(-1)[nonempty].sum() / (S * norm_const)
    raise ValueError(mode)


DEFAULTS = {
    'dapo': dict(eps_lo=0.2, eps_hi=0.28, agg='token-mean', beta=0.0),
    'grpo': dict(eps_lo=0.2, eps_hi=None, agg='seq-mean-token-mean', beta=0.0),
    'dr-grpo': dict(eps_lo=0.2, eps_hi=None, agg='seq-mean-token-sum-norm', beta=0.0),
    'opd': dict(eps_lo=0.2, eps_hi=0.28, agg='token-mean', beta=1.0),
}


def make_case(rng, name, loss, B, T, opts, per_token_adv=False, extreme=False, zero_adv=False, V=0, full=False):
    d = DEFAULTS[loss]
    eps_lo = opts.get('epsilonLow', d['eps_lo'])
    eps_hi = opts.get('epsilonHigh', d['eps_hi'] if d['eps_hi'] is not None else eps_lo)
    mode = opts.get('aggregation', d['agg'])
    beta = opts.get('klCoef', d['beta'])
    dual_c = opts.get('dualClip', 0)
    est = opts.get('klEstimator', 'full' if (loss == 'opd' and full) else 'k3')
    norm_const = opts.get('normConstant', T)

    # padding masks: each row keeps a random-length prefix (>= 1 token, sometimes none)
    mask = np.zeros((B, T))
    for b in range(B):
        L = rng.integers(1, T + 1)
        if b == B - 1 and B > 2 and rng.random() < 0.5:
            L = 0
        mask[b, :L] = 1
    if mask.sum() == 0:
        mask[0, 0] = 1
    old = -rng.exponential(1.5, size=(B, T))
    delta = rng.normal(0, 0.3, size=(B, T))
    if extreme:
        sel = rng.random((B, T)) < 0.3
        delta[sel] = rng.choice([-30.0, -8.0, -2.0, 2.0, 8.0, 30.0], size=sel.sum())
    logp = old + delta
    if per_token_adv:
        adv = rng.normal(0, 1, size=(B, T))
    else:
        adv = rng.normal(0, 1, size=(B,))
        if zero_adv:
            adv[rng.random(B) < 0.5] = 0.0
    ref = logp + rng.normal(0, 0.5, size=(B, T)) if (beta > 0 and not full) else None

    lp_t = torch.tensor(logp, requires_grad=True)
    old_t = torch.tensor(old)
    adv_t = torch.tensor(adv) if per_token_adv else torch.tensor(adv)[:, None].expand(B, T)
    m_t = torch.tensor(mask)
    pg, ratio, nak, dual = token_pg(lp_t, old_t, adv_t, eps_lo, eps_hi, dual_c)
    pg_loss = agg(pg, m_t, mode, norm_const)
    total = pg_loss
    kl_mean = 0.0
    kl_loss = 0.0
    case_inputs = {'logProbs': logp.tolist(), 'oldLogProbs': old.tolist(), 'advantages': adv.tolist(), 'mask': mask.tolist()}
    full_grad = None
    if beta > 0 and not full:
        ref_t = torch.tensor(ref)
        kl = kl_est(lp_t, ref_t, est)
        kl_l = agg(kl, m_t, mode, norm_const)
        total = total + beta * kl_l
        kl_loss = kl_l.item()
        kl_mean = ((kl * m_t).sum() / m_t.sum()).item()
        case_inputs['teacherLogProbs' if loss == 'opd' else 'refLogProbs'] = ref.tolist()
    if full:
        zs = rng.normal(0, 2, size=(B, T, V))
        zt = rng.normal(0, 2, size=(B, T, V))
        ls = torch.log_softmax(torch.tensor(zs), -1).detach().requires_grad_(True)
        lt = torch.log_softmax(torch.tensor(zt), -1)
        klf = (torch.exp(ls) * (ls - lt)).sum(-1)
        kl_l = agg(klf, m_t, mode, norm_const)
        total = total + beta * kl_l
        kl_loss = kl_l.item()
        kl_mean = ((klf * m_t).sum() / m_t.sum()).item()
        ent = (-(torch.exp(ls) * ls).sum(-1) * m_t).sum() / m_t.sum()
        case_inputs['fullLogProbs'] = {'data': ls.detach().reshape(-1).tolist(), 'dims': [B, T, V]}
        case_inputs['teacherFullLogProbs'] = {'data': lt.reshape(-1).tolist(), 'dims': [B, T, V]}
        # the sampled-token log-probs are independent leaves here (the contract of opdLoss)
        g, gf = torch.autograd.grad(total, [lp_t, ls])
        full_grad = gf.reshape(-1).tolist()
    else:
        (g,) = torch.autograd.grad(total, [lp_t])
    mb = m_t > 0
    n = mb.sum().item()
    lo_frac = (((adv_t < 0) & (ratio < 1 - eps_lo)) & mb).sum().item() / n
    hi_frac = (((adv_t > 0) & (ratio > 1 + eps_hi)) & mb).sum().item() / n
    expected = {
        'loss': total.item(),
        'grad': g.reshape(-1).tolist(),
        'metrics': {
            'clipFractionLow': lo_frac,
            'clipFractionHigh': hi_frac,
            'clipFraction': lo_frac + hi_frac,
            'dualClipFraction': (dual * m_t).sum().item() / n,
            'approxKl': ((-nak) * m_t).sum().item() / n,
            'approxKlK3': ((ratio - 1 - nak) * m_t).sum().item() / n,
            'ratioMean': (ratio * m_t).sum().item() / n,
            'ratioMax': ratio[mb].max().item(),
            'pgLoss': pg_loss.item(),
            'klLoss': kl_loss,
            'kl': kl_mean,
            'tokens': n,
        },
    }
    if full:
        expected['gradFullLogProbs'] = full_grad
        expected['metrics']['entropy'] = ent.item()
    return {'name': name, 'loss': loss, 'options': opts, 'inputs': case_inputs, 'expected': expected}


def policy_loss_cases():
    rng = np.random.default_rng(20260207)
    cases = []
    for i, (B, T) in enumerate([(1, 1), (3, 5), (4, 9), (6, 12)]):
        cases.append(make_case(rng, f'dapo defaults {B}x{T}', 'dapo', B, T, {}))
    cases.append(make_case(rng, 'dapo extreme ratios (beyond the ±20 clamp)', 'dapo', 5, 10, {}, extreme=True))
    cases.append(make_case(rng, 'dapo zero advantages', 'dapo', 6, 7, {}, zero_adv=True))
    cases.append(make_case(rng, 'dapo dual clip c=3, extreme ratios', 'dapo', 6, 10, {'dualClip': 3}, extreme=True))
    cases.append(make_case(rng, 'dapo per-token advantages', 'dapo', 4, 6, {}, per_token_adv=True, extreme=True))
    for mode in ['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum', 'seq-mean-token-sum-norm']:
        extra = {'normConstant': 8} if mode == 'seq-mean-token-sum-norm' else {}  # C is required (max new tokens)
        cases.append(make_case(rng, f'dapo aggregation {mode}', 'dapo', 5, 8, {'aggregation': mode, **extra}, extreme=True))
    cases.append(make_case(rng, 'dapo custom eps', 'dapo', 4, 8, {'epsilonLow': 0.1, 'epsilonHigh': 0.5}, extreme=True))
    cases.append(make_case(rng, 'grpo no KL', 'grpo', 5, 8, {}, extreme=True))
    for est in ['k1', 'k2', 'k3']:
        cases.append(make_case(rng, f'grpo KL {est}', 'grpo', 5, 8, {'klCoef': 0.04, 'klEstimator': est}, extreme=True))
    cases.append(make_case(rng, 'dr-grpo C = seqLen (8)', 'dr-grpo', 5, 8, {'normConstant': 8}, extreme=True))
    cases.append(make_case(rng, 'dr-grpo C = 32', 'dr-grpo', 5, 8, {'normConstant': 32}))
    for est in ['k1', 'k3']:
        cases.append(make_case(rng, f'opd sampled-token {est}', 'opd', 5, 8, {'klEstimator': est, 'klCoef': 0.5}, extreme=True))
    cases.append(make_case(rng, 'opd full-vocabulary KL', 'opd', 3, 6, {'klCoef': 0.7}, V=7, full=True, zero_adv=True))
    cases.append(make_case(rng, 'opd full-vocabulary KL, seq-mean-token-mean', 'opd', 4, 5, {'aggregation': 'seq-mean-token-mean'}, V=5, full=True))
    return cases


def sft_cases():
    rng = np.random.default_rng(7)
    cases = []
    for (B, T, lr, lo, norm) in [(2, 6, 0.5, 1.0, 'token-mean'), (4, 10, 0.3, 1.2, 'token-mean'), (3, 7, 0.5, 1.0, 'sum')]:
        logp = -rng.exponential(1.0, size=(B, T))
        mr = np.zeros((B, T))
        mo = np.zeros((B, T))
        for b in range(B):
            r = rng.integers(0, T)
            o = rng.integers(0, T - r + 1)
            mr[b, :r] = 1
            mo[b, r:r + o] = 1
        lp_t = torch.tensor(logp, requires_grad=True)
        w = lr * torch.tensor(mr) + lo * torch.tensor(mo)
        total = -(w * lp_t).sum()
        if norm == 'token-mean':
            total = total / (mr.sum() + mo.sum())
        (g,) = torch.autograd.grad(total, [lp_t])
        cases.append({
            'inputs': {'logProbs': logp.tolist(), 'reasoningMask': mr.tolist(), 'rankingMask': mo.tolist()},
            'options': {'reasoningWeight': lr, 'rankingWeight': lo, 'normalization': norm},
            'expected': {'loss': total.item(), 'grad': g.reshape(-1).tolist()},
        })
    return cases


def advantage_cases():
    rng = np.random.default_rng(11)
    cases = []
    for (G, groups) in [(4, 3), (8, 2), (2, 5)]:
        r = rng.normal(0, 1, size=(groups, G))
        r[0, :] = 0.25  # a zero-variance group
        rt = torch.tensor(r)
        mean = rt.mean(-1, keepdim=True)
        std_unb = rt.std(-1, keepdim=True)  # torch default: unbiased
        std_pop = rt.std(-1, unbiased=False, keepdim=True)
        z_unb = (rt - mean) / (std_unb + 1e-6)
        z_pop = (rt - mean) / (std_pop + 1e-4)
        z_unb[0, :] = 0
        z_pop[0, :] = 0
        cases.append({
            'rewards': r.reshape(-1).tolist(), 'groupSize': G,
            'zscoreUnbiased': z_unb.reshape(-1).tolist(),
            'zscorePopulationEps1e4': z_pop.reshape(-1).tolist(),
            'meanOnly': (rt - mean).masked_fill(torch.arange(groups)[:, None] == 0, 0).reshape(-1).tolist(),
        })
    return cases


def plackett_luce_cases():
    """DAPO loss of a linear Plackett-Luce policy; gradient w.r.t. the linear weights by autograd."""
    rng = np.random.default_rng(3)
    cases = []
    for (K, F, G) in [(4, 3, 3), (10, 5, 4)]:
        X = rng.normal(0, 1, size=(K, F))
        w = rng.normal(0, 0.5, size=(F,))
        orders = [rng.permutation(K).tolist() for _ in range(G)]
        wt = torch.tensor(w, requires_grad=True)
        s = torch.tensor(X) @ wt
        rows = []
        for o in orders:
            lps = []
            for t in range(K - 1):
                rem = o[t:]
                lps.append(s[o[t]] - torch.logsumexp(s[rem], 0))
            rows.append(torch.stack(lps))
        logp = torch.stack(rows)  # [G, K-1]
        old = logp.detach() + torch.tensor(rng.normal(0, 0.3, size=(G, K - 1)))
        adv = torch.tensor(rng.normal(0, 1, size=(G,)))
        pg, _, _, _ = token_pg(logp, old, adv[:, None].expand(G, K - 1), 0.2, 0.28, 0)
        loss = pg.mean()
        (gw,) = torch.autograd.grad(loss, [wt])
        cases.append({
            'features': X.tolist(), 'weights': w.tolist(), 'orders': orders,
            'oldLogProbs': old.tolist(), 'advantages': adv.tolist(),
            'expected': {'logProbs': logp.detach().tolist(), 'loss': loss.item(), 'gradWeights': gw.tolist()},
        })
    return cases


def dump(name, obj):
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump({'generator': 'scripts/gen_rl_fixtures.py', 'torch': torch.__version__, 'dtype': 'float64', **obj}, f)
    print('wrote', os.path.relpath(path), os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    dump('rl_policy_loss.json', {'cases': policy_loss_cases()})
    dump('rl_sft.json', {'cases': sft_cases()})
    dump('rl_advantages.json', {'cases': advantage_cases()})
    dump('rl_plackett_luce.json', {'cases': plackett_luce_cases()})
