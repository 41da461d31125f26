"""The model: logistic regression on generated data. Small enough to train in a second, real enough to score."""
import numpy
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

FEATURES = 4


def dataset(samples: int, seed: int):
    return make_classification(n_samples=samples, n_features=FEATURES, n_informative=3, n_redundant=1, random_state=seed)


def train(samples: int, seed: int):
    x, y = dataset(samples, seed)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=seed)
    model = LogisticRegression(max_iter=500).fit(x_train, y_train)
    metrics = {"accuracy": float(model.score(x_test, y_test)), "samples": samples, "features": FEATURES}
    return model, metrics


def predict(model, rows):
    features = numpy.asarray(rows, dtype=float)
    if features.ndim != 2 or features.shape[1] != FEATURES:
        raise ValueError(f"each row needs {FEATURES} numbers")
    return model.predict(features).tolist(), model.predict_proba(features)[:, 1].round(6).tolist()
