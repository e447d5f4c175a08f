"""The Python side of `npm run bench:real`: scikit-learn and xgboost peers with default settings.

Called by bench/real.ts as `/usr/bin/python3 bench/real-peers.py DIR`; DIR holds one
`<name>.train.csv` / `<name>.test.csv` pair per data set (the same columns and rows our model
saw; the label is `__y`). Prints one JSON object {name: {peer: auc}}. Needs Debian's
python3-sklearn, python3-xgboost and python3-pandas under /usr/bin/python3.

Preprocessing is the same for every peer and every data set (never tuned to one): numbers as
they are (median-imputed and standardised for logistic regression, NaN kept for the trees),
text one-hot with categories seen fewer than 10 times pooled, unseen ones ignored.
"""
import glob
import json
import os
import sys

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def encoders(train):
    num = [c for c in train.columns if pd.api.types.is_numeric_dtype(train[c])]
    cat = [c for c in train.columns if c not in num]
    onehot = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="(missing)"),
        OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=10, sparse_output=False),
    )
    linear = ColumnTransformer(
        [("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num), ("cat", onehot, cat)]
    )
    trees = ColumnTransformer([("num", "passthrough", num), ("cat", onehot, cat)])
    return linear, trees


def main():
    out = {}
    for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.train.csv"))):
        name = os.path.basename(path)[: -len(".train.csv")]
        train = pd.read_csv(path, low_memory=False)
        test = pd.read_csv(path.replace(".train.csv", ".test.csv"), low_memory=False)
        y, yt = train.pop("__y").to_numpy(), test.pop("__y").to_numpy()
        test = test[train.columns]
        for c in train.columns:
            # A column numeric in one file and text in the other is text in both.
            if pd.api.types.is_numeric_dtype(train[c]) != pd.api.types.is_numeric_dtype(test[c]):
                train[c], test[c] = train[c].astype(str), test[c].astype(str)
        linear, trees = encoders(train)
        Xl, Xlt = linear.fit_transform(train), linear.transform(test)
        Xt, Xtt = trees.fit_transform(train), trees.transform(test)
        Xt, Xtt = Xt.astype(np.float64), Xtt.astype(np.float64)
        res = {}
        lr = LogisticRegression(max_iter=2000).fit(Xl, y)
        res["sklearn LogisticRegression"] = roc_auc_score(yt, lr.decision_function(Xlt))
        hgb = HistGradientBoostingClassifier(random_state=0).fit(Xt, y)
        res["sklearn HistGradientBoosting"] = roc_auc_score(yt, hgb.predict_proba(Xtt)[:, 1])
        xg = xgb.XGBClassifier(tree_method="hist", random_state=0, n_jobs=1).fit(Xt, y)
        res["xgboost"] = roc_auc_score(yt, xg.predict_proba(Xtt)[:, 1])
        out[name] = res
    print(json.dumps(out))


if __name__ == "__main__":
    main()
