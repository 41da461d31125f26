#!/bin/bash
# How long a worker's warm shutdown takes when it is stopped in the middle of a stream of tasks (mlservice/shutdown.py),
# N times over: a Redis, a sender of 400 pings 10 ms apart, and worker-light's command, in the ml-service image.
#   docker/ml-service/tests/stop_under_load.sh [N=40] [IMAGE=mlstack/ml-service:latest]
# Prints each stop's seconds, then how many took longer than 5 s and the longest. Needs a Docker Engine; removes what
# it started, by id, also on Ctrl-C.
set -euo pipefail
runs=${1:-40} image=${2:-mlstack/ml-service:latest} name=mlstack-stop-$$
env=(-e REDIS_BROKER_URL=redis://$name-redis:6379/0 -e S3_ACCESS_KEY_ID=unused -e S3_SECRET_ACCESS_KEY=unused
     -e WORKER_WARM_SHUTDOWN_SECONDS=20)
ids=()
cleanup() { [ ${#ids[@]} -eq 0 ] || docker rm -f "${ids[@]}" >/dev/null; docker network rm $name >/dev/null 2>&1 || true; }
trap cleanup EXIT
docker network create $name >/dev/null
ids+=("$(docker run -d --name $name-redis --network $name --entrypoint redis-server mlstack/redis:latest \
    --protected-mode no --save '')")
ids+=("$(docker run -d --network $name "${env[@]}" --entrypoint sleep "$image" infinity)")
sender=${ids[1]}
ids+=("$(docker run -d --network $name "${env[@]}" --tmpfs /tmp "$image" python3 -m celery -A mlservice.tasks worker \
    -Q default,quick -n light@%h --concurrency 2 --loglevel INFO)")
worker=${ids[2]}
flood='
import time
from celery import Celery
from mlservice import config
app = Celery(broker=config.BROKER_URL)
for _ in range(400):
    app.send_task("mlservice.tasks.ping", queue="quick")
    time.sleep(0.01)
'
times=()
for run in $(seq 1 "$runs"); do
    sleep 6  # the worker is up and consuming
    docker exec "$sender" python3 -c "$flood" & sending=$!
    sleep 1.5
    began=$(date +%s.%N)
    docker stop -t 30 "$worker" >/dev/null
    took=$(echo "$(date +%s.%N) - $began" | bc)
    times+=("$took")
    printf 'stop %d: %.1f s\n' "$run" "$took"
    wait $sending
    docker start "$worker" >/dev/null
done
printf '%s\n' "${times[@]}" | awk '$1 > 5 { slow++ } $1 > max { max = $1 }
    END { printf "%d stops: %d took longer than 5 s; the longest %.1f s\n", NR, slow, max }'
