"""Hyperparameter studies on Optuna, stored in the stack's optuna database: Optuna's own distributed mode, so the
trials of one study run as heavy-queue tasks on every worker-heavy replica at once, each asking the shared storage
for its next parameters. A trial tunes a scikit-learn classifier on generated data with cross-validation, reporting
each fold so the pruner can stop a hopeless trial early."""
import socket

import numpy
import optuna
import sqlalchemy
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import StratifiedKFold

from . import config, resources, training

SAMPLERS = {"tpe": lambda: optuna.samplers.TPESampler(), "random": lambda: optuna.samplers.RandomSampler()}
PRUNERS = {"median": lambda: optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1),
           "none": lambda: optuna.pruners.NopPruner()}
FOLDS = 5

optuna.logging.set_verbosity(optuna.logging.WARNING)
class HeartbeatStorage(optuna.storages.RDBStorage):
    """Optuna 3.1 (Debian's) tells a stale trial by `(now() - heartbeat).seconds > grace`, with now() the start of
    its transaction. A heartbeat the other replica recorded after that start is 'in the future': the difference is
    negative, and `.seconds` of a negative timedelta is about 86,399, so a live trial was failed whenever two replicas
    started a trial and beat at nearly the same moment (1 of 16 trials of a CI run's study). Optuna's suspects are
    checked again here with the sign kept (`total_seconds()`); later Optuna releases compare the same way."""

    def _get_stale_trial_ids(self, study_id: int) -> list:
        suspects = super()._get_stale_trial_ids(study_id)
        if not suspects:
            return []
        grace = self.grace_period if self.grace_period is not None else 2 * self.heartbeat_interval
        with self.engine.connect() as connection:
            now = connection.execute(sqlalchemy.select(sqlalchemy.func.now())).scalar().replace(tzinfo=None)
            beats = connection.execute(sqlalchemy.select(_heartbeats.c.trial_id, _heartbeats.c.heartbeat)
                                       .where(_heartbeats.c.trial_id.in_(suspects))).all()
        return [trial_id for trial_id, beat in beats if (now - beat).total_seconds() > grace]


_heartbeats = sqlalchemy.table("trial_heartbeats", sqlalchemy.column("trial_id"), sqlalchemy.column("heartbeat", sqlalchemy.DateTime))

# A trial whose worker died (a retired or killed replica) stops beating: after the grace it is marked failed, not
# left running for ever, and the Celery task it was, handed back (acks_late), runs a new trial in its place.
_storage = resources.per_process(lambda: HeartbeatStorage(
    config.OPTUNA_STORAGE_URL, heartbeat_interval=10, grace_period=120,
    engine_kwargs={"pool_size": 2, "max_overflow": 0, "pool_pre_ping": True}))


def storage():
    return _storage.get()


class StudyNotFound(LookupError):
    pass


class StudyExists(ValueError):
    pass


def create(name: str, direction: str, sampler: str, pruner: str) -> dict:
    try:
        study = optuna.create_study(study_name=name, storage=storage(), direction=direction,
                                    sampler=SAMPLERS[sampler](), pruner=PRUNERS[pruner]())
    except optuna.exceptions.DuplicatedStudyError as error:
        raise StudyExists(name) from error
    # Optuna stores neither: every worker that loads the study needs them.
    study.set_user_attr("sampler", sampler)
    study.set_user_attr("pruner", pruner)
    return describe(study)


def load(name: str) -> optuna.Study:
    try:
        study = optuna.load_study(study_name=name, storage=storage())
    except KeyError as error:
        raise StudyNotFound(name) from error
    study.sampler = SAMPLERS[study.user_attrs.get("sampler", "tpe")]()
    study.pruner = PRUNERS[study.user_attrs.get("pruner", "median")]()
    return study


def delete(name: str):
    try:
        optuna.delete_study(study_name=name, storage=storage())
    except KeyError as error:
        raise StudyNotFound(name) from error


def names() -> list:
    return sorted(s.study_name for s in optuna.get_all_study_summaries(storage(), include_best_trial=False))


def describe(study: optuna.Study) -> dict:
    trials = study.get_trials(deepcopy=False)
    counts = {}
    for trial in trials:
        counts[trial.state.name.lower()] = counts.get(trial.state.name.lower(), 0) + 1
    try:
        best = study.best_trial  # Optuna's own: complete trials only, in the study's direction
    except ValueError:
        best = None  # no complete trial yet
    return {"name": study.study_name, "direction": study.direction.name.lower(),
            "sampler": study.user_attrs.get("sampler"), "pruner": study.user_attrs.get("pruner"),
            "trials": counts, "best_value": best.value if best else None, "best_params": best.params if best else None}


def trials(study: optuna.Study) -> list:
    return [{"number": t.number, "state": t.state.name.lower(), "value": t.value, "params": t.params,
             "worker": t.user_attrs.get("worker"), "error": t.user_attrs.get("error"),
             "started_at": t.datetime_start.isoformat() if t.datetime_start else None,
             "seconds": (t.datetime_complete - t.datetime_start).total_seconds() if t.datetime_complete and t.datetime_start else None}
            for t in study.get_trials(deepcopy=False)]


def objective(samples: int, seed: int):
    features, labels = training.dataset(samples, seed)

    def score(trial: optuna.Trial) -> float:
        model = SGDClassifier(
            loss=trial.suggest_categorical("loss", ["hinge", "log_loss", "modified_huber"]),
            penalty=trial.suggest_categorical("penalty", ["l2", "l1", "elasticnet"]),
            alpha=trial.suggest_float("alpha", 1e-6, 1e-1, log=True),
            max_iter=200, tol=1e-3, random_state=seed)
        scores = []
        for step, (fit, held_out) in enumerate(StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(features, labels)):
            scores.append(model.fit(features[fit], labels[fit]).score(features[held_out], labels[held_out]))
            trial.report(float(numpy.mean(scores)), step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return float(numpy.mean(scores))

    return score


def run_trial(name: str, samples: int, seed: int) -> dict:
    """One trial of the study, recorded in the shared storage whatever happens: complete, pruned, or failed with
    its error kept on the trial (a raising trial is recorded as failed, not lost)."""
    study = load(name)
    finished = []

    def guarded(trial: optuna.Trial) -> float:
        trial.set_user_attr("worker", socket.gethostname())
        try:
            return objective(samples, seed)(trial)
        except optuna.TrialPruned:
            raise
        except Exception as error:
            trial.set_user_attr("error", f"{type(error).__name__}: {error}"[:300])
            raise

    study.optimize(guarded, n_trials=1, catch=(Exception,), callbacks=[lambda _, trial: finished.append(trial)])
    trial = finished[0]
    return {"study": name, "trial": trial.number, "state": trial.state.name.lower(), "value": trial.value,
            "error": trial.user_attrs.get("error")}

