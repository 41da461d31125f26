"""mlstack's ml-service: trains small scikit-learn models through Celery and serves predictions."""
