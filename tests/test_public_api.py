"""The public surface is small and pinned (httpx's test_exported_members)."""

from __future__ import annotations

import summitry

EXPECTED = {
    "Actor", "Distribution", "Forecast", "InputError", "Issue", "Meta", "MissingExtraError",
    "Model", "ModelError", "ModelForecast", "OutcomeRule", "ParseError", "Problem", "Scenario",
    "Signal", "Solution", "Stance", "SummitryError", "Uncertainty", "UnknownNameError",
    "ValidationError", "__version__", "examples", "forecast", "get_model", "load",
    "model_info", "model_names", "register", "save", "simulate",
}


def test_all_is_pinned():
    assert set(summitry.__all__) == EXPECTED


def test_every_exported_name_exists():
    for name in summitry.__all__:
        assert hasattr(summitry, name), name


def test_errors_form_one_hierarchy():
    for name in ("InputError", "ParseError", "ValidationError", "ModelError",
                 "UnknownNameError", "MissingExtraError"):
        assert issubclass(getattr(summitry, name), summitry.SummitryError)


def test_errors_pickle_whole():
    import pickle

    errors = [
        summitry.UnknownNameError("model", "x", ["a", "b"]),
        summitry.MissingExtraError("the Dask executor", "dask"),
        summitry.ValidationError("bad", source="f.yaml", location="row 3", expected="a number",
                                 found="x", problems=[summitry.ParseError("sub", source="f")]),
        summitry.ModelError("why"),
    ]
    for exc in errors:
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc) and str(back) == str(exc)
