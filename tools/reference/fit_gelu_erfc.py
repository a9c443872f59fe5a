#!/usr/bin/env python3
"""Fits the polynomial of the fused epilogue's erf GELU (VectorMath.fusedGeluErfRows).

erfc(t) = exp(Q(t)) on [0, 3.925], Q(t) = c1 t + c2 t^2 + ... + c9 t^9 (no constant term, so
erfc(0) = 1): a weighted minimax fit of log erfc (Lawson's iteratively reweighted least squares on
Chebyshev nodes), weight max(erfc(t), 1e-4), i.e. the absolute error of erfc, with a floor that keeps
the relative error of the far negative tail of gelu bounded. The coefficients are rounded to float one
at a time from the highest degree, the others refitted after each rounding. Then gelu is evaluated
as the Java code does it (float, fma) and compared with mpmath.

    python3 tools/reference/fit_gelu_erfc.py        # needs numpy and mpmath (Debian: python3-numpy python3-mpmath)

Prints the coefficients (paste as FG_C1..FG_C9), the max |erf error| and the max |gelu error| on
[-6, 6]. (Q's exp is taken exactly here; the Java code's Cephes exp adds about one ulp.)
"""
import numpy as np
import mpmath as mp

mp.mp.dps = 30
T = 3.925
DEGREE = 9
FLOOR = 1e-4
N = 3000
ts = np.cos(np.pi * (np.arange(N) + 0.5) / N) * T / 2 + T / 2
f = np.array([float(mp.log(mp.erfc(t))) for t in ts])
weight = np.maximum(np.exp(f), FLOOR)


def fit(fixed):
    free = [i for i in range(1, DEGREE + 1) if i not in fixed]
    y = f - sum(v * ts ** i for i, v in fixed.items())
    v = np.stack([ts ** i for i in free], 1)
    lawson = np.ones_like(ts)
    for _ in range(150):
        w = weight * lawson
        c, *_ = np.linalg.lstsq(v * w[:, None], y * w, rcond=None)
        err = (v @ c - y) * weight
        lawson = lawson * np.abs(err) ** 0.5 + 1e-30
        lawson /= lawson.max()
    out = dict(fixed)
    out.update(zip(free, c))
    return out


def fl(x):
    return float(np.float32(x))


fixed = {}
for i in range(DEGREE, 0, -1):
    fixed[i] = fl(fit(fixed)[i])
coef = [fixed[i] for i in range(1, DEGREE + 1)]
for i, c in enumerate(coef, 1):
    print("FG_C%d = %.9ef" % (i, c))

max_erf = max_gelu = 0.0
for x in np.linspace(-6, 6, 30001):
    x = fl(x)
    u = fl(x * fl(1 / np.sqrt(2)))
    t = min(abs(u), fl(T))
    q = coef[-1]
    for c in reversed(coef[:-1]):
        q = fl(q * t + c)
    e = fl(np.exp(fl(q * t)))
    h = fl(0.5 * e)
    phi = h if x < 0 else fl(1 - h)
    if x < -fl(T * np.sqrt(2)):
        phi = 0.0
    g = fl(x * phi)
    erf_approx = (1 - e if u >= 0 else e - 1) if abs(u) <= T else (1.0 if u > 0 else -1.0)
    max_erf = max(max_erf, abs(erf_approx - float(mp.erf(u))))
    max_gelu = max(max_gelu, abs(g - float(0.5 * x * (1 + mp.erf(x / mp.sqrt(2))))))
print("max |erf error| %.2e, max |gelu error| %.2e (on [-6, 6], float ulp of 6 is 4.8e-7)" % (max_erf, max_gelu))
