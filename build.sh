#!/usr/bin/env bash
# Bootstrap: find the .NET SDK, build the build program when its sources changed, run it with our arguments.
# It is published ReadyToRun (compiled ahead to this machine's native code): every call starts ~0.3 s sooner than
# a JIT-compiled program would, which Backup, Status and Logs feel on each run. A source change recompiles only
# _build.dll (~5 s more than a plain build); the libraries' native code is kept.
set -eo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_PROJECT_FILE="$SCRIPT_DIR/build/_build.csproj"
BUILD_OUTPUT="$SCRIPT_DIR/build/bin/ready"
BUILD_DLL="$BUILD_OUTPUT/_build.dll"
TEMP_DIRECTORY="$SCRIPT_DIR/.nuke/temp"
STAMP_FILE="$TEMP_DIRECTORY/build.stamp"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export NUKE_TELEMETRY_OPTOUT=1
export DOTNET_CLI_UI_LANGUAGE=en

# What the build program is made from; a change to any of these (content, size or time) means rebuild.
sources_stamp() {
  (cd "$SCRIPT_DIR" && find build -path build/bin -prune -o -path build/obj -prune -o -type f -printf '%P %s %T@\n' \
    && stat -c '%n %s %Y' global.json Directory.Build.props Directory.Packages.props) | sort | md5sum
}

if ! command -v dotnet >/dev/null 2>&1; then
  echo "build.sh: no 'dotnet' on PATH; install the .NET SDK named in global.json (https://dotnet.microsoft.com/download) and run again." >&2
  exit 1
fi

stamp=$(sources_stamp)
build_is_stale() { [[ ! -f "$BUILD_DLL" || ! -f "$STAMP_FILE" || "$(cat "$STAMP_FILE")" != "$stamp" ]]; }
if build_is_stale; then
  mkdir -p "$TEMP_DIRECTORY"
  # One compile at a time: two build.sh started together after a change (two terminals, tests side by side) would
  # publish into the same folder at once and one would fail. The second waits, then finds the build fresh.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$TEMP_DIRECTORY/build.lock"
    flock 9
  fi
fi
if build_is_stale; then
  if ! sdk=$(cd "$SCRIPT_DIR" && dotnet --version 2>/dev/null); then
    wanted=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$SCRIPT_DIR/global.json")
    echo "build.sh: the .NET SDK on PATH does not satisfy global.json (needs $wanted or a later feature band); install it (https://dotnet.microsoft.com/download) and run again." >&2
    exit 1
  fi
  # Quiet unless it fails: then the compiler's errors are the only thing worth reading.
  if ! output=$(dotnet publish "$BUILD_PROJECT_FILE" -nologo -clp:NoSummary -tl:off --verbosity quiet \
      --use-current-runtime --self-contained false -p:PublishReadyToRun=true -o "$BUILD_OUTPUT" 2>&1); then
    echo "$output" >&2
    echo "build.sh: the build program does not compile; fix the errors above." >&2
    exit 1
  fi
  echo "$stamp" > "$STAMP_FILE"
fi
exec 9>&- 2>/dev/null || true

exec dotnet "$BUILD_DLL" "$@"
