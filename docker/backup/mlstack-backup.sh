#!/bin/bash
# The backup helper's steps, one per container run (the build orchestrates them, see build/Backup):
#   backup             at once: the object store's files (/objects, read-only) synced to /stage/objects and proven
#                      unchanged meanwhile; pg_dumpall --globals-only + pg_dump -Fc per database (kept when no transaction
#                      committed) and Redis's RDB (BGSAVE, from /redis) into /stage; the repository's list. Then
#                      manifest.json (checksums, counts), restic backup of /stage into /repo, a record of the backup,
#                      and the list with it
#   fetch ID           restic check, restore ID into /stage, checksums against its manifest; prints the manifest
#   place              the fetched Redis RDB and objects into the target's volumes (/target-redis, /target-objects)
#   load               globals + pg_restore --exit-on-error into the target's PostgreSQL; prints the counts it holds
#   list               every backup with its record, as JSON
#   verified ID        records that ID passed VerifyBackup
#   forget ID...       removes those backups (retention decides which) and prunes
# Secrets come as files in /run/secrets (written by the build, mode 0400), never as arguments or variables of the
# container: restic (repository password), pgpass, redis; for an sftp: repository ssh-key and known_hosts; for an s3:
# one s3-key-id, s3-secret and, for a private CA's certificate, cacert.
# The repository is /repo (a folder bound in), or MLSTACK_REPOSITORY (sftp:… or s3:…) with the records in /records.
set -euo pipefail
umask 077

export RESTIC_REPOSITORY=${MLSTACK_REPOSITORY:-/repo} RESTIC_PASSWORD_FILE=/run/secrets/restic PGPASSFILE=/run/secrets/pgpass
STAGE=/stage
RECORDS=${MLSTACK_RECORDS:-/repo/mlstack-records}

# restic runs ssh for sftp: ours uses only the key handed over, trusts only the host keys handed over, never asks.
if [ -s /run/secrets/ssh-key ]; then
  mkdir -p -m 700 ~/.ssh
  printf '%s\n' 'Host *' '  IdentityFile /run/secrets/ssh-key' '  IdentitiesOnly yes' \
    '  UserKnownHostsFile /run/secrets/known_hosts' '  StrictHostKeyChecking yes' '  BatchMode yes' \
    '  ConnectTimeout 20' '  ServerAliveInterval 15' '  ServerAliveCountMax 4' > ~/.ssh/config
fi

say() { printf '%s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
bytes() { du -sb "$1" | cut -f1; }
# redis-cli as the backup user (REDIS_USER, its password in /run/secrets/redis), or as the default user with
# /run/secrets/redis-default on a Redis from before per-client users (a deploy's backup of the release it replaces).
redis_auth() {
  redis_cli=(redis-cli -h "$REDIS_HOST")
  if [ -n "${REDIS_USER:-}" ] && REDISCLI_AUTH="$(cat /run/secrets/redis 2>/dev/null)" redis-cli -h "$REDIS_HOST" --user "$REDIS_USER" PING 2>/dev/null | grep -q PONG; then
    REDISCLI_AUTH="$(cat /run/secrets/redis)"; redis_cli+=(--user "$REDIS_USER")
  else
    REDISCLI_AUTH="$(cat /run/secrets/redis-default 2>/dev/null || cat /run/secrets/redis 2>/dev/null || true)"
  fi
  export REDISCLI_AUTH
}

# Rows per table of a custom-format dump, from its COPY blocks: exactly what a restore must reproduce.
dump_counts() { # db file
  pg_restore --data-only -f - "$2" | awk -v db="$1" '
    /^COPY / { table = $2; rows[table] = 0; copying = 1; next }
    copying && /^\\\.$/ { copying = 0; next }
    copying { rows[table]++ }
    END { for (t in rows) printf "%s/%s\t%d\n", db, t, rows[t] }'
}

# Rows per table of a live database, quoted the way pg_dump quotes names.
live_counts() { # db
  psql -h "$PGHOST" -U "$PGUSER" -d "$1" -XAtF $'\t' -v ON_ERROR_STOP=1 -c "
    SELECT '$1/' || quote_ident(table_schema) || '.' || quote_ident(table_name),
           (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
    FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
}

# Keys an RDB file holds (redis-check-rdb reads and checks all of it).
rdb_keys() {
  local report; report=$(redis-check-rdb "$1" 2>&1) || fail "redis: $1 is not a valid RDB: $(tail -n 2 <<<"$report" | tr '\n' ' ')"
  local read expired
  read=$(sed -n 's/.*\[info\] \([0-9]*\) keys read.*/\1/p' <<<"$report")
  expired=$(sed -n 's/.*\[info\] \([0-9]*\) already expired.*/\1/p' <<<"$report")
  echo $(( ${read:-0} - ${expired:-0} ))
}

# Objects and bytes per bucket of an s3rver directory (each object is <key>._S3rver_object beside its metadata).
bucket_counts() { # dir
  local dir=$1 bucket
  for bucket in "$dir"/*/; do
    [ -d "$bucket" ] || continue
    find "$bucket" -type f -name '*._S3rver_object' -printf '%s\n' \
      | awk -v b="objects/$(basename "$bucket")" '{ n++; s += $1 } END { printf "%s\t%d\n%s.bytes\t%d\n", b, n, b, s }'
  done
}

# Whether the repository exists: 1 when it does not; any other failure (host key, login, network) ends the step.
repository_exists() {
  if [ "$RESTIC_REPOSITORY" = /repo ]; then [ -f /repo/config ]; return; fi
  local out; out=$(restic cat config 2>&1 >/dev/null) && return 0
  # restic adds "Is there a repository…?" to any failure to read the config (a certificate it does not trust, an
  # access key id S3 does not know): only a config, bucket or folder that is not there means no repository.
  if grep -q 'Is there a repository at the following location' <<<"$out" \
    && grep -m1 '^Fatal' <<<"$out" | grep -qiE '(key|bucket|file) does not exist|no such file'; then return 1; fi
  # ssh's own reason says more than restic's "unable to start the sftp session". restic relays ssh's error output
  # from a goroutine and may exit before it has (seen under load): then ssh is asked again, by itself.
  local reason; reason=$(ssh_reason <<<"$out")
  [ -n "$reason" ] || [[ $RESTIC_REPOSITORY != sftp:* ]] || reason=$(ssh_probe 2>&1 | ssh_reason)
  fail "repository $RESTIC_REPOSITORY: ${reason:-$(grep -m1 '^Fatal' <<<"$out" || grep -v '^$' <<<"$out" | tail -n 2 | tr '\n' ' ')}"
}

ssh_reason() { grep -m1 -E 'Host key verification failed|Permission denied|Could not resolve|Connection refused|timed out|No route to host' || true; }

# The sftp: repository's host, reached by ssh alone (sftp:user@host:/path, or sftp://user@host:port//path).
ssh_probe() {
  local rest=${RESTIC_REPOSITORY#sftp:} target port=()
  if [[ $rest == //* ]]; then
    rest=${rest#//} target=${rest%%/*}
    if [[ $target == *:* ]]; then port=(-p "${target##*:}") target=${target%:*}; fi
  else
    target=${rest%%:*}
  fi
  ssh "${port[@]}" -T -s "$target" sftp </dev/null >/dev/null
}

# restic's S3 client reads its keys from its environment: this process's, never the container's (docker inspect).
if [ -s /run/secrets/s3-secret ]; then
  AWS_ACCESS_KEY_ID=$(cat /run/secrets/s3-key-id) AWS_SECRET_ACCESS_KEY=$(cat /run/secrets/s3-secret)
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
fi
# A server whose certificate a private CA signed (a MinIO of one's own) is trusted through that CA alone.
if [ -s /run/secrets/cacert ]; then restic() { command restic --cacert /run/secrets/cacert "$@"; }; fi

tsv_to_json() { jq -Rn '[inputs | split("\t") | {(.[0]): (.[1] | tonumber)}] | add // {}'; }

# Every file's path, size and modification time, hashed: equal before and after a copy means nothing was written
# while it ran, so the copy is the store as it was at one moment.
listing() { find "$1" -printf '%P\t%s\t%T@\n' | sort | sha256sum; }

# "path<TAB>sha256" of each path read from stdin (one per line), sorted by path. openssl's SHA-256 uses the CPU's SHA
# instructions, which coreutils' sha256sum does not (about 3x faster here), and two files are hashed at a time.
hash_files() {
  xargs -d '\n' -r -P 2 -n 32 openssl dgst -sha256 -r | sed -E 's/^([0-9a-f]{64}) \*(.*)$/\2\t\1/' | LC_ALL=C sort
}

# "path<TAB>sha256" of every file of the stage's postgres, redis and objects, sorted by path. A file whose inode, size
# and modification time are those recorded at the last backup keeps the hash recorded then (rsync and the kept dumps
# leave unchanged files alone): an unchanged backup reads no data to hash it. The record ($HASHES) is not backed up.
HASHES=$STAGE/.hashes
cached_sha256() {
  local stamps fresh; stamps=$(mktemp) fresh=$(mktemp)
  (cd "$STAGE" && find postgres redis objects -type f -printf '%p\t%i-%s-%T@\n' 2>/dev/null | LC_ALL=C sort) > "$stamps"
  touch "$HASHES"
  awk -F'\t' 'FILENAME == ARGV[1] { known[$1 FS $2] = 1; next } !(($1 FS $2) in known) { print $1 }' "$HASHES" "$stamps" \
    | (cd "$STAGE" && hash_files) > "$fresh"
  awk -F'\t' 'FILENAME == ARGV[1] { old[$1 FS $2] = $3; next } FILENAME == ARGV[2] { new[$1] = $2; next }
    { print $1 FS $2 FS (($1 in new) ? new[$1] : old[$1 FS $2]) }' "$HASHES" "$fresh" "$stamps" > "$HASHES.new"
  mv "$HASHES.new" "$HASHES"
  cut -f1,3 "$HASHES"
  rm -f "$stamps" "$fresh"
}

cmd_objects() {
  local start=$SECONDS attempt before changed=0
  mkdir -p "$STAGE/objects"
  # No pause: pausing a container while the engine runs its healthcheck can wedge Docker 20.10 (the container's
  # inspect never answers again). The copy is proven consistent instead, and taken again when a write came between.
  for attempt in 1 2 3 4 5; do
    before=$(listing /objects)
    # The stage is kept between backups: rsync leaves unchanged files as they are (inode, times), so restic skips them.
    changed=$((changed + $(rsync -a --delete --out-format='%n' /objects/ "$STAGE/objects/" | grep -c '._S3rver_object$' || true)))
    if [ "$before" = "$(listing /objects)" ]; then
      say "objects: objectstore's files copied in $((SECONDS - start))s, unchanged during the copy (copy $attempt; $(find "$STAGE/objects" -type f -name '*._S3rver_object' | wc -l) objects, $(bytes "$STAGE/objects") bytes, $changed changed)"
      return 0
    fi
    say "objects: the object store was written to during copy $attempt; copying again"
  done
  fail "objects: the object store was written to during each of 5 copies; back up when it is quieter"
}

dump_postgres() {
  local start=$SECONDS db position
  position=$(dumps_key) || exit 1
  if [ -f "$STAGE/postgres/.position" ] && [ "$(cat "$STAGE/postgres/.position")" = "$position" ]; then
    say "postgres: nothing committed since the last backup's dumps (same server, transactions still at ${position##*/}): kept"
  else
    rm -rf "$STAGE/postgres" && mkdir -p "$STAGE/postgres"
    pg_dumpall -h "$PGHOST" -U "$PGUSER" --globals-only --no-password -f "$STAGE/postgres/globals.sql"
    say "postgres: globals $(bytes "$STAGE/postgres/globals.sql") bytes"
    local counters=()
    for db in $DATABASES; do
      start=$SECONDS
      # Uncompressed: restic compresses it (zstd, faster than pg_dump's zlib) and finds unchanged tables in it again.
      pg_dump -h "$PGHOST" -U "$PGUSER" --no-password -Fc -Z0 -f "$STAGE/postgres/$db.dump" "$db"
      say "postgres: $db $(bytes "$STAGE/postgres/$db.dump") bytes in $((SECONDS - start))s"
      # Counted from the dump while the next one is taken.
      dump_counts "$db" "$STAGE/postgres/$db.dump" > "$STAGE/postgres/.$db.counts" &
      counters+=($!)
    done
    local pid; for pid in "${counters[@]}"; do wait "$pid"; done
    echo "$position" > "$STAGE/postgres/.position"
  fi
}

dump_redis() {
  rm -rf "$STAGE/redis" && mkdir -p "$STAGE/redis"
  redis_auth
  local start=$SECONDS
  redis_snapshot
  "${redis_cli[@]}" INFO server | sed -n 's/^redis_version:\(.*\)\r$/\1/p' > "$STAGE/.redis-version"
  say "redis: dump.rdb $(bytes "$STAGE/redis/dump.rdb") bytes in $((SECONDS - start))s"
}

# What the staged dumps are good for: the server's identity and its transaction snapshot (the next transaction id and
# those still in progress), taken before the dumps. Every change to data or schema commits a transaction that was given
# an id, which moves the snapshot: the same key at the next backup (and the same databases) means the stage's dumps
# still hold the data. (The WAL insert position was the key before: vacuum, pruning and checkpoints move it with no
# data changed, so a quiet server was dumped again on every backup.) Unlogged tables are not crash-safe and may be
# emptied without a transaction, so a database with one makes the key unique: it is dumped every time. One psql reads
# it all (\connect to each database) and the server's version, for the manifest.
dumps_key() {
  local args=(-c "SELECT system_identifier || '/' || timeline_id || '/' || pg_current_snapshot(), current_setting('server_version')
                  FROM pg_control_system(), pg_control_checkpoint()") db rows key version unlogged count
  for db in $DATABASES; do args+=(-c "\\connect $db" -c "SELECT count(*) FROM pg_class WHERE relpersistence = 'u'"); done
  rows=$(psql -h "$PGHOST" -U "$PGUSER" -d postgres -qXAtF $'\t' -v ON_ERROR_STOP=1 "${args[@]}" 2>/tmp/psql.err) \
    || fail "postgres: $(tail -n 1 /tmp/psql.err)"
  { IFS=$'\t' read -r key version; mapfile -t unlogged; } <<<"$rows"
  echo "$version" > "$STAGE/.postgres-version"
  for count in "${unlogged[@]}"; do [ "$count" = 0 ] || key+="/unlogged-tables@$EPOCHREALTIME"; done
  echo "$DATABASES/$key"
}

# BGSAVE: Redis forks and writes a consistent snapshot into its own volume (mounted here read-only at /redis), then
# renames it into place; LASTSAVE moves when it is done. (redis-cli --rdb would first wait Redis's 5 s
# repl-diskless-sync-delay, on every backup.) A save already running is waited for: SCHEDULE.
redis_snapshot() {
  local cli=("${redis_cli[@]}") last out status
  last=$("${cli[@]}" LASTSAVE) || fail "redis: $REDIS_HOST does not answer"
  # LASTSAVE counts seconds: a save finishing in the second of the last one would not show.
  while [ "$last" -ge "$EPOCHSECONDS" ]; do sleep 0.2; done
  out=$("${cli[@]}" BGSAVE SCHEDULE 2>&1)
  case "$out" in *"Background saving"* | *"already in progress"*) ;; *) fail "redis: BGSAVE refused: $out" ;; esac
  local deadline=$((SECONDS + 120))
  while [ "$("${cli[@]}" LASTSAVE)" = "$last" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
  status=$("${cli[@]}" INFO persistence | sed -n 's/^rdb_last_bgsave_status:\(.*\)\r$/\1/p')
  [ "$("${cli[@]}" LASTSAVE)" != "$last" ] || fail "redis: BGSAVE did not finish within 120 s"
  [ "$status" = ok ] || fail "redis: BGSAVE failed (rdb_last_bgsave_status: $status); see redis's log"
  cp /redis/dump.rdb "$STAGE/redis/dump.rdb"
}

# $1: the repository's list, taken while the data was: the new backup is added to it, so no second restic command
# (each one derives the key anew, about 0.6 s) is needed for retention. The backup's record keeps its time and tags,
# for recorded_list.
store() {
  local previous=$1 start=$SECONDS db counts counter
  counts=$(mktemp)
  ( # while the files are hashed
    for db in $DATABASES; do sed 's|^|postgres/|' "$STAGE/postgres/.$db.counts"; done
    printf 'redis/keys\t%s\n' "$(rdb_keys "$STAGE/redis/dump.rdb")"
    [ ! -d "$STAGE/objects" ] || bucket_counts "$STAGE/objects"
  ) > "$counts" & counter=$!
  local hashes; hashes=$(cached_sha256)
  wait "$counter"
  local artifacts; artifacts=$(
    cd "$STAGE"
    awk -F'\t' 'NR == FNR { sha[$1] = $2; next } { print $1 FS sha[$1] FS $2 }' - <(stat --printf '%n\t%s\n' postgres/* redis/dump.rdb) <<<"$hashes"
    # A bucket is one artifact: the hash of its files' hashes, in name order (as fetch computes it).
    for b in objects/*/; do
      [ -d "$b" ] || continue
      printf '%s\t%s\t%s\n' "${b%/}" "$(awk -F'\t' -v b="$b" 'index($1, b) == 1 { printf "%s  ./%s\n", $2, substr($1, length(b) + 1) }' <<<"$hashes" | sha256sum | cut -d' ' -f1)" "$(bytes "$b")"
    done
  )
  jq -n --arg project "$MLSTACK_PROJECT" --arg environment "$MLSTACK_ENVIRONMENT" --arg gitSha "$MLSTACK_GIT_SHA" \
        --arg release "$MLSTACK_RELEASE" --arg purpose "${MLSTACK_PURPOSE:-}" --arg created "$(date -u +%FT%TZ)" --argjson images "${MLSTACK_IMAGES:-{\}}" \
        --arg postgres "$(cat "$STAGE/.postgres-version")" --arg redis "$(cat "$STAGE/.redis-version")" \
        --arg restic "$(restic version | cut -d' ' -f2)" \
        --rawfile counts "$counts" --arg artifacts "$artifacts" \
        'def rows: split("\n") | map(select(. != "") | split("\t"));
         {format: 1, project: $project, environment: $environment, gitSha: $gitSha, release: $release, purpose: $purpose, createdAt: $created,
          images: $images, versions: {postgres: $postgres, redis: $redis, restic: $restic},
          prometheus: "not included: metrics are rebuilt by scraping",
          artifacts: [$artifacts | rows[] | {path: .[0], sha256: .[1], bytes: (.[2] | tonumber)}],
          counts: ([$counts | rows[] | {(.[0]): (.[1] | tonumber)}] | add // {})}' \
        > "$STAGE/manifest.json"
  local artifact_lines count_lines; mapfile -t artifact_lines <<<"$artifacts"; mapfile -t count_lines < "$counts"
  say "manifest: ${#artifact_lines[@]} artifacts, ${#count_lines[@]} counts"

  if [ "$RESTIC_REPOSITORY" = /repo ]; then chmod 700 /repo; fi
  if ! repository_exists; then
    restic init >/dev/null
    say "repository: created (encrypted, restic $(restic version | cut -d' ' -f2))"
  fi
  mkdir -p "$RECORDS"
  local tags=("project=$MLSTACK_PROJECT" "environment=$MLSTACK_ENVIRONMENT" "sha=$MLSTACK_GIT_SHA" "release=$MLSTACK_RELEASE")
  [ -z "${MLSTACK_PURPOSE:-}" ] || tags+=("purpose=$MLSTACK_PURPOSE")
  local tag tagged=(); for tag in "${tags[@]}"; do tagged+=(--tag "$tag"); done
  local time; time=$(date -u '+%Y-%m-%d %H:%M:%S') # given to restic, so the listing below has the snapshot's own time
  # A stable --host makes the previous backup of this project the parent: unchanged files are not even read again.
  local summary; summary=$(cd "$STAGE" && TZ=UTC restic backup --json --host "$MLSTACK_PROJECT" --time "$time" \
      "${tagged[@]}" --exclude "$HASHES" "$STAGE" \
      | jq -c 'select(.message_type == "summary")')
  [ -n "$summary" ] || fail "restic: backup gave no summary"
  # One jq for the record, the progress line and the listing with the new backup (each jq start costs ~70 ms here).
  local record line list
  { read -r record; read -r line; read -r list; } < <(jq -rn --argjson s "$summary" --slurpfile previous "$previous" \
      --arg gitSha "$MLSTACK_GIT_SHA" --arg environment "$MLSTACK_ENVIRONMENT" --arg time "${time/ /T}Z" '
    ({id: $s.snapshot_id, time: $time, tags: $ARGS.positional, size: $s.total_bytes_processed, added: $s.data_added,
      gitSha: $gitSha, environment: $environment} | tojson),
    "\($s.snapshot_id[0:8]), \($s.total_bytes_processed) bytes, \($s.data_added) added",
    ($previous[0] + [{id: $s.snapshot_id, time: $time, tags: $ARGS.positional, size: $s.total_bytes_processed,
      added: $s.data_added, verifiedAt: null}] | tojson)' --args "${tags[@]}")
  echo "$record" > "$RECORDS/${line%%,*}.json"
  say "restic: snapshot $line in $((SECONDS - start))s"
  say "RESULT $record"
  say "LIST $list"
}

# The object store's files are copied while PostgreSQL and Redis are dumped and the repository is listed; restic
# runs once all four are done. The listing with the new backup is what retention decides on.
cmd_backup() {
  rm -f "$STAGE/manifest.json"
  local previous job jobs=(); previous=$(mktemp)
  retention_list "$previous" & jobs+=($!)
  cmd_objects & jobs+=($!)
  dump_redis & jobs+=($!)
  dump_postgres
  for job in "${jobs[@]}"; do wait "$job"; done
  store "$previous"
}

cmd_fetch() {
  local id=$1 short=${1:0:8} start=$SECONDS
  repository_exists || fail "repository: $RESTIC_REPOSITORY holds no restic repository"
  local out
  out=$(restic check --read-data-subset="${CHECK_SUBSET:-1/1}" 2>&1) || fail "repository damaged: $(grep -iE 'error|fatal|pack|invalid|damaged' <<<"$out" | head -n 3 | tr '\n' ' ')"
  say "check: repository intact (read ${CHECK_SUBSET:-all} of the data) in $((SECONDS - start))s"
  start=$SECONDS
  rm -rf "${STAGE:?}"/*
  out=$(restic restore "$id" --target "$STAGE/restored" 2>&1) || fail "restore of backup $short failed: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
  local root="$STAGE/restored$STAGE"
  [ -f "$root/manifest.json" ] || fail "backup $short has no manifest.json"
  local bad=""
  while IFS=$'\t' read -r path sha size; do
    local actual
    if [ -d "$root/$path" ]; then actual=$(cd "$root/$path" && find . -type f | hash_files | awk -F'\t' '{ printf "%s  %s\n", $2, $1 }' | sha256sum | cut -d' ' -f1)
    elif [ -f "$root/$path" ]; then actual=$(openssl dgst -sha256 -r "$root/$path" | cut -c1-64)
    else actual=missing; fi
    [ "$actual" = "$sha" ] || bad="$bad $path"
  done < <(jq -r '.artifacts[] | [.path, .sha256, .bytes] | @tsv' "$root/manifest.json")
  [ -z "$bad" ] || fail "backup $short: artifacts do not match their checksums:$bad"
  say "fetch: backup ${id:0:8} restored to the helper, $(bytes "$root") bytes, every checksum matches, in $((SECONDS - start))s"
  say "MANIFEST $(jq -c . "$root/manifest.json")"
}

cmd_place() {
  local root="$STAGE/restored$STAGE"
  find /target-redis -mindepth 1 -delete
  # The stack's Redis runs append-only: a bare dump.rdb would be ignored at start. The RDB becomes the base of a
  # one-file AOF (Redis 7's manifest), and stays beside it for a Redis that runs without AOF.
  mkdir /target-redis/appendonlydir
  cp "$root/redis/dump.rdb" /target-redis/dump.rdb
  cp "$root/redis/dump.rdb" /target-redis/appendonlydir/appendonly.aof.1.base.rdb
  echo 'file appendonly.aof.1.base.rdb seq 1 type b' > /target-redis/appendonlydir/appendonly.aof.manifest
  chown -R --reference=/target-redis /target-redis
  find /target-objects -mindepth 1 -delete
  if [ -d "$root/objects" ]; then cp -a "$root/objects/." /target-objects/; fi
  say "place: redis dump.rdb and $(find /target-objects -type f -name '*._S3rver_object' | wc -l) objects in the target's volumes"
}

cmd_load() {
  local root="$STAGE/restored$STAGE" db start=$SECONDS out
  # Roles the target created at its first start already exist: those errors are expected, any other is not.
  out=$(psql -h "$PGHOST" -U "$PGUSER" -d postgres -X -q -f "$root/postgres/globals.sql" 2>&1 || true)
  if grep 'ERROR' <<<"$out" | grep -qv 'already exists'; then fail "postgres globals: $(grep ERROR <<<"$out" | grep -v 'already exists' | head -n 1)"; fi
  for db in $DATABASES; do
    out=$(pg_restore -h "$PGHOST" -U "$PGUSER" --no-password --exit-on-error --clean --if-exists --create -d postgres "$root/postgres/$db.dump" 2>&1) \
      || fail "pg_restore $db: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
  done
  say "load: $(wc -w <<<"$DATABASES") databases restored in $((SECONDS - start))s"
  cmd_counts
}

cmd_counts() {
  redis_auth
  local counts; counts=$(
    for db in $DATABASES; do live_counts "$db" | sed 's|^|postgres/|'; done
    printf 'redis/keys\t%s\n' "$("${redis_cli[@]}" INFO keyspace | sed -n 's/^db[0-9]*:keys=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')"
    bucket_counts /target-objects
  )
  say "COUNTS $(tsv_to_json <<<"$counts" | jq -c .)"
}

cmd_list() {
  if ! repository_exists; then echo '[]'; return; fi
  # --no-lock: a listing writes nothing to the repository (a lock is a file there).
  local snapshots; snapshots=$(restic snapshots --json --no-lock)
  jq -c --slurpfile records <(cat "$RECORDS"/*.json 2>/dev/null || true) \
    '[.[] | . as $s | ($records | map(select(.id as $r | $s.id | startswith($r))) | first // {}) as $r | {id, time, tags: (.tags // []), size: $r.size, added: $r.added, verifiedAt: $r.verifiedAt}]' \
    <<<"$snapshots"
}

# The repository's list, for retention: from the records when they describe every backup, else from restic.
retention_list() { # file
  if recorded_list > "$1"; then say "list: the repository's backups, from their records"; else cmd_list > "$1"; fi
}

# The list of a local repository from our records, without restic (which derives the key first, ~0.6 s of CPU): only
# when every snapshot in it has a record with its time and tags, else it fails and restic is asked. A snapshot's file
# is named by the hash of its content, so what was recorded when it was taken stays true of it; a snapshot restic
# changed (tags) or took by itself has a new name and no record. It does not check the password, so only a backup
# uses it: its restic backup checks the password a moment later.
recorded_list() {
  [ "$RESTIC_REPOSITORY" = /repo ] || return 1
  repository_exists || return 1 # cmd_list says there is none
  local snapshots=(/repo/snapshots/*); [ -e "${snapshots[0]}" ] || snapshots=()
  jq -nc --slurpfile records <(cat "$RECORDS"/*.json 2>/dev/null || true) '
    [$ARGS.positional[] | . as $id | ($records | map(select(.id as $r | $id | startswith($r))) | first // {}) as $r
     | if $r.time and $r.tags then {id: $id, time: $r.time, tags: $r.tags, size: $r.size, added: $r.added, verifiedAt: $r.verifiedAt}
       else error("snapshot \($id[0:8]) has no full record") end] | sort_by(.time)' \
    --args "${snapshots[@]##*/}" 2>/dev/null
}

cmd_verified() {
  mkdir -p "$RECORDS"
  local file="$RECORDS/${1:0:8}.json"
  [ -f "$file" ] || echo "{\"id\": \"$1\"}" > "$file"
  jq --arg at "$(date -u +%FT%TZ)" '.verifiedAt = $at' "$file" > "$file.new" && mv "$file.new" "$file"
  say "recorded: backup ${1:0:8} verified"
}

cmd_forget() {
  [ $# -gt 0 ] || return 0
  local out; out=$(restic forget --prune "$@" 2>&1) || fail "restic forget: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
  local id; for id in "$@"; do rm -f "$RECORDS/${id:0:8}.json"; done
}

step=${1:-}; shift || true
case "$step" in
  backup|fetch|place|load|counts|list|verified|forget) "cmd_$step" "$@" ;;
  *) fail "unknown step '$step'" ;;
esac
