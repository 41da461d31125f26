"""A study's charts as plotly.js figures: the optimisation history and, once there are enough finished trials, the
parameter importances. The figures are plain JSON for plotly.js in the browser, so the image carries plotly.js (one
file) and not plotly's Python package (142 MB), which Optuna's own plot functions would need."""
import functools
import html
import json

import optuna

PLOTLY_JS_URL = "/api/static/plotly.js"  # through the frontend, as the status page links charts
PLOTLY_JS_FILE = "/usr/share/python3-plotly/plotly.js"  # Debian's python3-plotly; the image keeps only this file


@functools.lru_cache(maxsize=1)
def plotly_js() -> bytes:
    with open(PLOTLY_JS_FILE, "rb") as file:
        return file.read()


def history(study: optuna.Study) -> dict:
    """Each complete trial's value, and the best value so far, by trial number."""
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    better = min if study.direction == optuna.study.StudyDirection.MINIMIZE else max
    best, running = [], None
    for trial in complete:
        running = trial.value if running is None else better(running, trial.value)
        best.append(running)
    numbers = [t.number for t in complete]
    return {
        "data": [
            {"type": "scatter", "mode": "markers", "name": "objective value", "x": numbers, "y": [t.value for t in complete]},
            {"type": "scatter", "mode": "lines", "name": "best value", "x": numbers, "y": best},
        ],
        "layout": {"title": {"text": "Optimization history"}, "xaxis": {"title": {"text": "trial"}},
                   "yaxis": {"title": {"text": "objective value"}}},
    }


def importances(study: optuna.Study) -> dict | None:
    """Optuna's parameter importances (fANOVA) as horizontal bars; None while there are too few finished trials."""
    try:
        scores = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError):
        return None
    if not scores:
        return None
    names = list(reversed(scores))  # the most important at the top
    return {
        "data": [{"type": "bar", "orientation": "h", "x": [scores[n] for n in names], "y": names}],
        "layout": {"title": {"text": "Hyperparameter importances"}, "xaxis": {"title": {"text": "importance"}}},
    }


def chart_html(study: optuna.Study) -> str:
    figures = [figure for figure in (history(study), importances(study)) if figure]
    plots = "".join(
        f"<div id='chart{index}'></div><script>Plotly.newPlot('chart{index}', {json.dumps(figure['data'])}, "
        f"{json.dumps(figure['layout'])});</script>"
        for index, figure in enumerate(figures))
    name = html.escape(study.study_name)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>study {name}</title>"
            f"<script src='{PLOTLY_JS_URL}'></script></head><body><h1>study {name}</h1>{plots}</body></html>")
