"""Generate the committed xgboost TreeSHAP fixture (test/fixtures/xgboost/).

Run once with Debian's xgboost (apt-get install python3-xgboost python3-numpy):
    /usr/bin/python3 bench/xgboost-fixture.py
It trains a small binary:logistic model on data with an interaction and missing values,
and writes the booster's own JSON, the rows, the margins and xgboost's pred_contribs
(its exact path-dependent TreeSHAP), which src/explain/treeshap.xgboost.test.ts compares with.
"""
import json
import os

import numpy as np
import xgboost as xgb

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "xgboost")


def main() -> None:
    rng = np.random.default_rng(20240611)
    n, p = 400, 6
    X = rng.standard_normal((n, p))
    logit = -0.5 + 1.2 * X[:, 0] - 0.8 * X[:, 1] + 0.9 * X[:, 0] * X[:, 2] + 0.6 * (X[:, 3] > 0.5)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float64)
    X[rng.random((n, p)) < 0.1] = np.nan  # missing values exercise default_left
    params = dict(tree_method="hist", max_depth=4, eta=0.3, objective="binary:logistic",
                  base_score=0.4, nthread=1, seed=1, max_bin=64)
    booster = xgb.train(params, xgb.DMatrix(X, label=y, missing=np.nan), num_boost_round=25)
    test = X[:60]
    dtest = xgb.DMatrix(test, missing=np.nan)
    contribs = booster.predict(dtest, pred_contribs=True)
    margin = booster.predict(dtest, output_margin=True)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "model.json"), "wb") as f:
        f.write(booster.save_raw("json"))
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({
            "xgboost": xgb.__version__,
            "nFeatures": p,
            # Row-major rows; null = missing.
            "rows": [[None if np.isnan(v) else float(v) for v in r] for r in test],
            "margin": [float(m) for m in margin],
            # Per row: p feature contributions then the bias (xgboost's layout).
            "contribs": [[float(c) for c in r] for r in contribs],
        }, f)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
