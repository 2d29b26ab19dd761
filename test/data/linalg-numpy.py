#!/usr/bin/env python3
"""Reference values and gradients for test/linalg-numpy.test.ts, from NumPy/SciPy (LAPACK).

    python3 test/data/linalg-numpy.py      # writes test/data/linalg-numpy.json and linalg-numpy.bin

Inputs are deterministic formulas (mirrored in the test), well conditioned. For each op and size,
a scalar loss f = Σ W∘op(...) (weights W from another formula) is evaluated with NumPy/SciPy, and
its gradient with the textbook derivative formulas evaluated in NumPy/SciPy (not with wengert's
rules). Values at n = 8 are stored in full; at every size the loss and its full gradients.
The .bin file holds the float64 numbers (little-endian) the .json manifest points into.
NumPy/SciPy are not dependencies of wengert: only this script needs them.
"""
import json, os, sys
import numpy as np
import scipy.linalg as sl

here = os.path.dirname(os.path.abspath(__file__))
SIZES = [3, 8, 24, 64]


def general(m, n, seed):   # uniform in [-0.5, 0.5) from a 32-bit LCG: the same doubles in JS (exact arithmetic)
    s, out = (seed * 2654435761) % 2**32, np.empty(m * n)
    for k in range(m * n):
        s = (1664525 * s + 1013904223) % 2**32
        out[k] = s / 2**32 - 0.5
    return out.reshape(m, n)


def weights(m, n, seed=0):
    i, j = np.meshgrid(np.arange(m), np.arange(n), indexing='ij')
    return np.cos(1 + seed + 0.3 * i - 0.5 * j)


def dominant(n):       # well conditioned, det of moderate size
    return general(n, n, 1) / np.sqrt(n) + 2 * np.eye(n)


def spd(n):            # positive definite, eigenvalues spread apart
    G = general(n, n, 2)
    return G @ G.T / n + np.diag(1 + 4 * np.arange(n) / n)


def sym(X):
    return 0.5 * (X + X.T)


def normalize(X, other=None):   # each column's first component within 1e-10 of the largest magnitude positive
    X = X.copy(); other = None if other is None else other.copy()
    for j in range(X.shape[1]):
        c = np.abs(X[:, j]); i = int(np.argmax(c >= c.max() * (1 - 1e-10)))
        if X[i, j] < 0:
            X[:, j] = -X[:, j]
            if other is not None: other[j, :] = -other[j, :]
    return X, other


def gaps(w):
    d = w[None, :] - w[:, None]
    F = np.zeros_like(d); off = ~np.eye(len(w), dtype=bool)
    F[off] = 1 / d[off]
    return F


def cases(n):
    out = {}
    A = spd(n); L = np.linalg.cholesky(A); W = weights(n, n)
    Lb = L.T @ W; P = np.tril(Lb) - 0.5 * np.diag(np.diag(Lb))
    S = sl.solve_triangular(L, sl.solve_triangular(L, P.T, lower=True, trans='T').T, lower=True, trans='T')
    out['cholesky'] = dict(inputs=['spd'], values=[L], loss=np.sum(W * L), grads=[sym(S)])

    D = dominant(n); B = general(n, 3, 3); Wx = weights(n, 3)
    X = np.linalg.solve(D, B); Bb = np.linalg.solve(D.T, Wx)
    out['solve'] = dict(inputs=['dominant', 'rhs'], values=[X], loss=np.sum(Wx * X), grads=[-Bb @ X.T, Bb])

    T = np.tril(D); X = sl.solve_triangular(T, B, lower=True); Bb = sl.solve_triangular(T, Wx, lower=True, trans='T')
    out['triangularSolve'] = dict(inputs=['dominant', 'rhs'], values=[X], loss=np.sum(Wx * X), grads=[np.tril(-Bb @ X.T), Bb])

    Y = sl.solve_triangular(L, B, lower=True); X = sl.solve_triangular(L, Y, lower=True, trans='T')
    Yb = sl.solve_triangular(L, Wx, lower=True)               # X = L⁻ᵀY: Ȳ = L⁻¹X̄, L̄ += tril(−X·Ȳᵀ)
    Bb = sl.solve_triangular(L, Yb, lower=True, trans='T')   # Y = L⁻¹B: B̄ = L⁻ᵀȲ, L̄ += tril(−B̄·Yᵀ)
    out['choleskySolve'] = dict(inputs=['cholesky', 'rhs'], values=[X], loss=np.sum(Wx * X), grads=[np.tril(-X @ Yb.T) + np.tril(-Bb @ Y.T), Bb])

    Ai = np.linalg.inv(D)
    out['inv'] = dict(inputs=['dominant'], values=[Ai], loss=np.sum(W * Ai), grads=[-Ai.T @ W @ Ai.T])
    d = np.linalg.det(D)
    out['det'] = dict(inputs=['dominant'], values=[np.array([d])], loss=d, grads=[d * Ai.T])
    s, la = np.linalg.slogdet(D)
    out['slogdet'] = dict(inputs=['dominant'], values=[np.array([s, la])], loss=la, grads=[Ai.T])

    m = n + 3; G = general(m, n, 4); Q, R = np.linalg.qr(G)
    sg = np.sign(np.diag(R)); Q = Q * sg; R = sg[:, None] * R
    Wq, Wr = weights(m, n, 1), weights(n, n, 2)
    N = Wr @ R.T - Q.T @ Wq; K = np.triu(N) + np.triu(N, 1).T
    out['qr'] = dict(inputs=['tall'], values=[Q, R], loss=np.sum(Wq * Q) + np.sum(Wr * R),
                     grads=[sl.solve_triangular(R, (Wq + Q @ K).T, lower=False).T])

    w, V = np.linalg.eigh(A); V, _ = normalize(V); c = np.cos(np.arange(n))
    G2 = np.diag(c) + gaps(w) * (V.T @ W)
    out['eigh'] = dict(inputs=['spd'], values=[w, V], loss=np.sum(c * w) + np.sum(W * V), grads=[sym(V @ G2 @ V.T)])

    U, s, Vt = np.linalg.svd(G, full_matrices=False); U, Vt = normalize(U, Vt); V = Vt.T
    Wu, Wv = weights(m, n, 3), weights(n, n, 4); cs = np.sin(np.arange(n))
    F = np.zeros((n, n)); off = ~np.eye(n, dtype=bool); s2 = s[None, :] ** 2 - s[:, None] ** 2; F[off] = 1 / s2[off]
    J = F * (U.T @ Wu); Kv = F * (V.T @ Wv.T)
    Gam = np.diag(cs) + (J + J.T) * s[None, :] + s[:, None] * (Kv + Kv.T)
    gA = U @ Gam @ Vt + ((Wu - U @ (U.T @ Wu)) / s[None, :]) @ Vt
    out['svd'] = dict(inputs=['tall'], values=[U, s, Vt], loss=np.sum(Wu * U) + np.sum(cs * s) + np.sum(Wv * Vt), grads=[gA])
    return out


def main():
    nums, manifest = [], {'sizes': SIZES, 'numpy': np.__version__, 'scipy': sys.modules['scipy'].__version__, 'cases': []}

    def put(x):
        x = np.asarray(x, dtype=np.float64).ravel(); off = sum(len(a) for a in nums); nums.append(x)
        return [off, len(x)]

    for n in SIZES:
        for op, c in cases(n).items():
            manifest['cases'].append(dict(op=op, n=n, inputs=c['inputs'], loss=float(c['loss']),
                                          values=[put(v) for v in c['values']] if n == 8 else None,
                                          grads=[put(g) for g in c['grads']]))
    np.concatenate(nums).astype('<f8').tofile(os.path.join(here, 'linalg-numpy.bin'))
    with open(os.path.join(here, 'linalg-numpy.json'), 'w') as f:
        f.write('{"sizes": %s, "numpy": "%s", "scipy": "%s", "cases": [\n' % (SIZES, manifest['numpy'], manifest['scipy']))
        f.write(',\n'.join(json.dumps(c) for c in manifest['cases']))
        f.write('\n]}\n')


if __name__ == '__main__':
    main()
