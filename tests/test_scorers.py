"""crawler/extractors/generic/scorers.py: the learned scorers' models read from the package, and a candidate's
probability computed by hand as scikit-learn would give it (a dot product or small trees, then a sigmoid)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from crawler.extractors.generic.scorers import load_model, probability


def test_a_logistic_regression_is_its_sigmoid_and_never_overflows() -> None:
    model = {"bias": -1.0, "weights": {"rel_tag": 2.0, "in_nav": -3.0}}
    assert probability(model, {"rel_tag": 1.0}) == pytest.approx(1 / (1 + math.exp(-1.0)))
    # a feature the model has no weight for counts for nothing
    assert probability(model, {"rel_tag": 1.0, "in_nav": 1.0, "unknown": 1.0}) == pytest.approx(1 / (1 + math.exp(2.0)))
    assert probability(model, {"in_nav": 1000.0}) == pytest.approx(0.0, abs=1e-20)  # no OverflowError
    assert probability(model, {"rel_tag": 1000.0}) == pytest.approx(1.0)


def test_trees_are_walked_and_their_leaves_summed_times_the_learning_rate() -> None:
    trees = {"kind": "trees", "learning_rate": 0.5,
             "trees": [[["a", 0.5, 1, 2, 0.0], [None, 0.0, -1, -1, -1.0], [None, 0.0, -1, -1, 3.0]]]}
    assert math.isclose(probability(trees, {"a": 1.0}), 1 / (1 + math.exp(-1.5)))
    assert math.isclose(probability(trees, {}), 1 / (1 + math.exp(0.5)))  # a feature the candidate lacks is 0


def test_the_models_load_once_from_the_package_and_a_missing_one_is_empty() -> None:
    for name in ("byline", "categories", "dates"):
        model = load_model(name)
        assert model and model is load_model(name)
    assert load_model("no-such-model") == {}  # the rules alone, not a crash


def test_the_runtime_reads_the_models_without_scikit_learn() -> None:
    # scikit-learn trains them (bench/learn_*.py, a development dependency); a crawl must not need it
    code = ("import sys; from crawler.extractors.generic import extract; "
            "extract('<html><body><h1>A headline here</h1><p class=byline>By Jane Doe</p>"
            "<p>' + 'Text of the story. ' * 40 + '</p></body></html>', 'https://news.example/2019/01/31/a/'); "
            "print('sklearn' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
