"""The Python side of `npm run bench:product`: what a data scientist would run on the same CSV.

`/usr/bin/python3 bench/product-peers.py logistic|gbdt FILE.csv LABEL ID` reads the file with
pandas.read_csv, one-hot encodes the text columns (pd.get_dummies, missing → its own column),
holds out the newest 20 % (file order), fits scikit-learn LogisticRegression (mean imputation
and standard scaling first, defaults otherwise) or xgboost `hist` (defaults: 100 rounds, depth
6), prints one JSON line with the test AUC. Whole-process time and peak memory are measured
by the caller, like ours. Needs Debian's python3-sklearn, python3-xgboost and python3-pandas.
"""
import json
import sys

import numpy as np
import pandas as pd


def main():
    family, path, label, ident = sys.argv[1:5]
    df = pd.read_csv(path)
    y = df.pop(label).to_numpy(dtype=np.float64)
    df = df.drop(columns=[ident])
    X = pd.get_dummies(df, dummy_na=True, dtype=np.float64).to_numpy(dtype=np.float64)
    cut = int(len(y) * 0.8)
    Xtr, ytr, Xte, yte = X[:cut], y[:cut], X[cut:], y[cut:]
    from sklearn.metrics import roc_auc_score

    if family == "logistic":
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        m = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression(max_iter=1000))
        m.fit(Xtr, ytr)
        p = m.predict_proba(Xte)[:, 1]
    else:
        import xgboost as xgb

        m = xgb.XGBClassifier(tree_method="hist", n_jobs=2)
        m.fit(Xtr, ytr)
        p = m.predict_proba(Xte)[:, 1]
    print(json.dumps({"auc": float(roc_auc_score(yte, p)), "rows": int(len(y)), "columns": int(X.shape[1])}))


if __name__ == "__main__":
    main()
