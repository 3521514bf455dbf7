# Shared by the build-rule proofs (sourced, not run): a scratch copy of the tracked sources and a
# build there that must fail for the right reason. Everything runs offline (-o): every artifact was
# resolved by the warm-up in .ci/run.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Copies the build files and every module's sources (main and test) into $scratch/repo.
copy_sources() {
  rm -rf "$scratch/repo"
  mkdir -p "$scratch/repo"
  (cd "$root" && git ls-files -z --cached --others --exclude-standard -- \
      pom.xml '*/pom.xml' .mvn '*/src/main/**' '*/src/test/java/**') \
    | (cd "$root" && xargs -0 cp --parents -t "$scratch/repo")
}

# expect_accepted DESCRIPTION MVN-ARGS...: the build in the scratch copy succeeds.
expect_accepted() {
  local description=$1 log="$scratch/log.txt"
  shift
  if ! (cd "$scratch/repo" && mvn -B -o "$@") > "$log" 2>&1; then
    echo "FAIL: $description does not build" >&2
    cat "$log" >&2
    exit 1
  fi
  echo "ok: $description passes the build"
}

# expect_rejected MESSAGE-FRAGMENT DESCRIPTION MVN-ARGS...: the build fails, and its output names
# the rule that failed it (so an unrelated failure does not count as proof).
expect_rejected() {
  local fragment=$1 description=$2 log="$scratch/log.txt"
  shift 2
  if (cd "$scratch/repo" && mvn -B -o "$@") > "$log" 2>&1; then
    echo "FAIL: $description was accepted by the build" >&2
    cat "$log" >&2
    exit 1
  fi
  if ! grep -qF -- "$fragment" "$log"; then
    echo "FAIL: $description failed the build, but not with '$fragment'" >&2
    cat "$log" >&2
    exit 1
  fi
  echo "ok: $description is rejected by the build"
}
