#!/usr/bin/env python3
"""Reference solutions for test/lbfgsb.test.ts: scipy's L-BFGS-B (Debian python3-scipy) on bounded
variants of Rosenbrock and Moré–Garbow–Hillstrom problems, run to tight tolerances.

    python3 test/data/lbfgsb-scipy.py > test/data/lbfgsb-scipy.json

The problems are defined identically in test/lbfgsb.test.ts (wengert ops there, numpy here, with
hand-written gradients). Output per problem: x*, f*, the active set (-1 at the lower bound, +1 at
the upper bound, 0 free) and scipy's own counts.
"""
import json
import numpy as np
import scipy
from scipy.optimize import minimize

INF = float('inf')


def rosen(x):
    a, b = x[0], x[1]
    f = 100 * (b - a * a) ** 2 + (1 - a) ** 2
    return f, np.array([-400 * a * (b - a * a) - 2 * (1 - a), 200 * (b - a * a)])


def ext_rosen(x):
    a, b = x[0::2], x[1::2]
    u, v = b - a * a, 1 - a
    g = np.zeros_like(x)
    g[0::2] = -400 * a * u - 2 * v
    g[1::2] = 200 * u
    return float(np.sum(100 * u * u + v * v)), g


def chained_rosen(x):
    a, b = x[:-1], x[1:]
    u, v = b - a * a, 1 - a
    g = np.zeros_like(x)
    g[:-1] += -400 * a * u - 2 * v
    g[1:] += 200 * u
    return float(np.sum(100 * u * u + v * v)), g


def wood(x):
    x1, x2, x3, x4 = x
    f = (100 * (x2 - x1 ** 2) ** 2 + (1 - x1) ** 2 + 90 * (x4 - x3 ** 2) ** 2 + (1 - x3) ** 2
         + 10.1 * ((x2 - 1) ** 2 + (x4 - 1) ** 2) + 19.8 * (x2 - 1) * (x4 - 1))
    g = np.array([
        -400 * x1 * (x2 - x1 ** 2) - 2 * (1 - x1),
        200 * (x2 - x1 ** 2) + 20.2 * (x2 - 1) + 19.8 * (x4 - 1),
        -360 * x3 * (x4 - x3 ** 2) - 2 * (1 - x3),
        180 * (x4 - x3 ** 2) + 20.2 * (x4 - 1) + 19.8 * (x2 - 1),
    ])
    return f, g


def beale(x):
    a, b = x
    f, ga, gb = 0.0, 0.0, 0.0
    for k, c in enumerate([1.5, 2.25, 2.625]):
        t = c - a * (1 - b ** (k + 1))
        f += t * t
        ga += 2 * t * -(1 - b ** (k + 1))
        gb += 2 * t * a * (k + 1) * b ** k
    return f, np.array([ga, gb])


def powell_singular(x):
    x1, x2, x3, x4 = x
    f = (x1 + 10 * x2) ** 2 + 5 * (x3 - x4) ** 2 + (x2 - 2 * x3) ** 4 + 10 * (x1 - x4) ** 4
    g = np.array([
        2 * (x1 + 10 * x2) + 40 * (x1 - x4) ** 3,
        20 * (x1 + 10 * x2) + 4 * (x2 - 2 * x3) ** 3,
        10 * (x3 - x4) - 8 * (x2 - 2 * x3) ** 3,
        -10 * (x3 - x4) - 40 * (x1 - x4) ** 3,
    ])
    return f, g


def box_quadratic(n):
    i = np.arange(n)
    A = 1.0 / (1.0 + np.abs(i[:, None] - i[None, :])) + 2.0 * np.eye(n)
    b = 3.0 * np.sin(1.0 + i)

    def f(x):
        Ax = A @ x
        return float(0.5 * x @ Ax - b @ x), Ax - b
    return f


def problems():
    n = 10
    yield 'rosenbrock-x1-upper', rosen, [-1.2, 1.0], [-1.5, -0.5], [0.5, 2.0]
    yield 'rosenbrock-x2-upper', rosen, [-1.2, 0.5], [-INF, -INF], [INF, 0.8]
    yield 'ext-rosenbrock-10', ext_rosen, [-1.2, 1.0] * (n // 2), [-2.0] * n, [0.7 if i % 4 == 0 else 2.0 for i in range(n)]
    yield 'chained-rosenbrock-20', chained_rosen, [-1.2 if i % 2 == 0 else 0.5 for i in range(20)], \
        [-INF] * 20, [0.8 if 5 <= i < 10 else INF for i in range(20)]
    yield 'wood-x3-upper', wood, [-3.0, -1.0, -3.0, -1.0], [-10.0] * 4, [10.0, 10.0, 0.5, 10.0]
    yield 'beale-box', beale, [1.0, 0.2], [0.0, -1.0], [2.5, 0.4]
    yield 'powell-singular-lower', powell_singular, [3.0, -1.0, 0.0, 1.0], [0.1, -INF, -INF, 0.2], [INF] * 4
    yield 'box-quadratic-50', box_quadratic(50), [0.5] * 50, [0.0] * 50, [1.0] * 50


out = {'scipy': scipy.__version__, 'options': {'maxcor': 10, 'ftol': 1e-15, 'gtol': 1e-11, 'maxiter': 20000}, 'problems': []}
for name, f, x0, lo, hi in problems():
    x0 = np.array(x0, dtype=float)
    bounds = list(zip([None if v == -INF else v for v in lo], [None if v == INF else v for v in hi]))
    r = minimize(f, x0, jac=True, method='L-BFGS-B', bounds=bounds,
                 options={'maxcor': 10, 'ftol': 1e-15, 'gtol': 1e-11, 'maxiter': 20000, 'maxfun': 100000})
    x = r.x
    active = [(-1 if x[i] <= lo[i] else 1 if x[i] >= hi[i] else 0) for i in range(len(x))]
    out['problems'].append({
        'name': name, 'x0': x0.tolist(), 'lower': [None if v == -INF else v for v in lo],
        'upper': [None if v == INF else v for v in hi], 'x': x.tolist(), 'f': float(r.fun), 'active': active,
        'iterations': int(r.nit), 'evaluations': int(r.nfev), 'message': str(r.message),
    })
print(json.dumps(out, indent=1))
