# Writes test/data/special-refs.json: reference values of the special functions at awkward points,
# from mpmath at 50 digits (rounded to the nearest double). Run: python3 test/data/special-refs.py
import json, os
from mpmath import mp, mpf, erf, erfc, erfinv, loggamma, digamma, polygamma, log, fabs, gamma, findroot
mp.dps = 50
X0 = float(findroot(digamma, 1.46))
pts = {
  'erf': [1e-300, 1e-20, 1e-8, 0.1, 0.4999999999999999, 0.5, 0.84375, 1, 1.25, 2.25, 3.5, 5.9, 6, -0.3, -2.7, 26],
  'erfc': [1e-10, 0.3, 0.5, 1, 2, 4, 6, 10, 20, 26, 27, -0.5, -3, -8],
  'erfinv': [1e-300, 1e-12, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999999, 1 - 2**-30, 1 - 2**-52, 1 - 2**-53, -0.7, -(1 - 2**-40)],
  'lgamma': [1e-300, 1e-10, 0.5, 1 - 2**-40, 1 + 2**-40, 1 - 1e-6, 1 + 1e-6, 1.5, 2 - 2**-40, 2 + 2**-40, 2 + 1e-6, 2.5, 3.5, 7.9, 8, 10.5, 100, 1e5, 1e10, 1e300,
             -0.5, -1 + 1e-8, -1 - 1e-8, -2 + 2**-30, -2.5, -10.3, -1e-8],
  'digamma': [1e-300, 1e-8, 0.5, 1, X0, X0 + 2**-30, X0 - 1e-10, 1.7, 2, 3, 6.5, 9.99, 10, 30, 1e6, 1e15, -0.5, -1.5, -2.3, -1e-8],
  'polygamma1': [0.1, 1, 2.5, 10, 30, 100, -0.5],
  'polygamma2': [0.3, 1, 4, 25],
}
f = {
  'erf': erf, 'erfc': erfc, 'erfinv': erfinv,
  'lgamma': lambda x: mp.re(loggamma(x)) if x > 0 else log(fabs(gamma(x))),
  'digamma': digamma, 'polygamma1': lambda x: polygamma(1, x), 'polygamma2': lambda x: polygamma(2, x),
}
out = {k: [[x, float(f[k](mpf(x)))] for x in xs] for k, xs in pts.items()}
json.dump(out, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'special-refs.json'), 'w'), indent=0)
print('wrote test/data/special-refs.json')
