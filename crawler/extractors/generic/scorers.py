"""The generic extractor's learned scorers: their models (extractors/generic/models/<name>.json, written by
`python -m bench.learn_<name>` from the real-page corpus's dev half) and a candidate's probability under one.

Scored by hand, not by scikit-learn's predict: the runtime reads a dot product, or walks a few small trees, and a
sigmoid; scikit-learn, which trains the models, is a development dependency only.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["load_model", "probability"]


@cache
def load_model(name: str) -> dict[str, Any]:
    """models/<name>.json, read once per process through importlib.resources (scrapyd runs the project from a
    zipped egg, where no file path leads to it); {} when the package has no such model: the rules alone then."""
    resource = files("crawler").joinpath(f"extractors/generic/models/{name}.json")
    if not resource.is_file():
        return {}
    model: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return model


def probability(model: dict[str, Any], features: dict[str, float]) -> float:
    """A candidate's probability under `model`: a logistic regression (bias + the weights of its features) or,
    with kind "trees", gradient-boosted regression trees (each node [feature, threshold, left, right, value], a
    leaf's feature null; the log-odds are the sum of the leaves reached times the learning rate). A feature the
    candidate lacks counts as 0; the log-odds are clamped so that the sigmoid never overflows."""
    if model.get("kind") == "trees":
        z = 0.0
        for tree in model["trees"]:
            node = tree[0]
            while node[0] is not None:
                node = tree[node[2] if features.get(node[0], 0.0) <= node[1] else node[3]]
            z += node[4]
        z *= float(model["learning_rate"])
    else:
        weights: dict[str, float] = model["weights"]
        z = float(model["bias"]) + sum(weights.get(name, 0.0) * value for name, value in features.items())
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
