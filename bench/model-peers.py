"""The Python side of `npm run bench:model`: scikit-learn and xgboost on the same matrices.

Called by bench/model.ts as `/usr/bin/python3 bench/model-peers.py JOB.json`; prints one JSON
object. Needs Debian's python3-sklearn and python3-xgboost (apt-get install python3-sklearn
python3-xgboost); the system interpreter /usr/bin/python3 is the one that has them.
"""
import json
import resource
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score


def load(prefix, n, p):
    # Column-major float64 as written by bench/model.ts; NaN = missing.
    X = np.fromfile(prefix + ".X.f64", dtype=np.float64).reshape(p, n).T
    y = np.fromfile(prefix + ".y.f64", dtype=np.float64)
    return np.ascontiguousarray(X), y


def best_of(repeats, fn):
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    job = json.load(open(sys.argv[1]))
    d, res = job["dir"], {}
    reps = job["repeats"]
    if "lr" in job["tasks"]:
        X, y = load(f"{d}/lr.train", job["nTrain"], job["pLr"])
        Xt, yt = load(f"{d}/lr.test", job["nTest"], job["pLr"])
        secs, m = best_of(reps, lambda: LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000).fit(X, y))
        res["lr"] = {"seconds": secs, "auc": roc_auc_score(yt, m.decision_function(Xt)), "iterations": int(m.n_iter_[0])}
    if "gbdt" in job["tasks"]:
        X, y = load(f"{d}/tree.train", job["nTrain"], job["pTree"])
        Xt, yt = load(f"{d}/tree.test", job["nTest"], job["pTree"])
        g = job["gbdt"]
        base = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
        res["gbdt"] = {}
        for nt in (1, 2):
            params = dict(tree_method="hist", objective="binary:logistic", max_depth=g["maxDepth"], eta=g["learningRate"],
                          reg_lambda=g["l2"], min_child_weight=g["minChildHessian"], max_bin=255, nthread=nt,
                          base_score=base, seed=1)
            dtrain = xgb.DMatrix(X, label=y, missing=np.nan, nthread=nt)
            secs, booster = best_of(reps, lambda: xgb.train(params, dtrain, g["nRounds"]))
            dtest = xgb.DMatrix(Xt, missing=np.nan, nthread=nt)
            entry = {"seconds": secs, "auc": roc_auc_score(yt, booster.predict(dtest))}
            if job.get("shapRows"):
                rows = min(job["shapRows"], Xt.shape[0])
                booster.set_param({"nthread": nt})
                dshap = xgb.DMatrix(Xt[:rows], missing=np.nan, nthread=nt)
                s, _ = best_of(1, lambda: booster.predict(dshap, pred_contribs=True))
                entry["shapRowsPerSec"] = rows / s
            res["gbdt"][f"nthread{nt}"] = entry
    res["maxRssMB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


if __name__ == "__main__":
    main()
