#!/usr/bin/env bash
# Proves that the build's module rules really fail the build when broken: copies the sources into a
# scratch directory, adds a forbidden dependency, and expects the Maven enforcer to stop the build
# with the rule's message. Runs offline (-o): every artifact was resolved by the warm-up.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

copy_sources() {
  rm -rf "$scratch/repo"
  mkdir -p "$scratch/repo"
  (cd "$root" && git ls-files -z --cached --others --exclude-standard -- pom.xml '*/pom.xml' '*/src/main/**' ) \
    | (cd "$root" && xargs -0 cp --parents -t "$scratch/repo")
}

# inject_dependency MODULE GROUP ARTIFACT [CLASSIFIER]
inject_dependency() {
  local pom="$scratch/repo/$1/pom.xml" dep
  dep="    <dependency><groupId>$2</groupId><artifactId>$3</artifactId>${4:+<classifier>$4</classifier>}</dependency>"
  # Insert as the first dependency of the module.
  awk -v dep="$dep" '{print} /<dependencies>/ && !done {print dep; done=1}' "$pom" > "$pom.new"
  mv "$pom.new" "$pom"
}

# expect_rejected MODULE MESSAGE-FRAGMENT DESCRIPTION
expect_rejected() {
  local log="$scratch/log.txt"
  if (cd "$scratch/repo" && mvn -B -o -q -pl "$1" -am validate) > "$log" 2>&1; then
    echo "FAIL: $3 was accepted by the build" >&2
    cat "$log" >&2
    exit 1
  fi
  if ! grep -q "$2" "$log"; then
    echo "FAIL: $3 failed the build, but not through the module rule" >&2
    cat "$log" >&2
    exit 1
  fi
  echo "ok: $3 is rejected by the build"
}

copy_sources
(cd "$scratch/repo" && mvn -B -o -q validate) || { echo "FAIL: the unmodified build does not validate" >&2; exit 1; }
echo "ok: the unmodified build validates"

copy_sources
inject_dependency recformer-core ai.djl.pytorch pytorch-engine
expect_rejected recformer-core "recformer-core must stay engine-free" "recformer-core depending on DJL's PyTorch engine"

copy_sources
inject_dependency recformer-core com.microsoft.onnxruntime onnxruntime
expect_rejected recformer-core "recformer-core must stay engine-free" "recformer-core depending on ONNX Runtime"

copy_sources
inject_dependency recformer-infer ai.djl.pytorch pytorch-engine
expect_rejected recformer-infer "recformer-infer serves through ONNX Runtime only" "recformer-infer depending on DJL's PyTorch engine"

copy_sources
inject_dependency recformer-infer io.recformer recformer-train
expect_rejected recformer-infer "recformer-infer serves through ONNX Runtime only" "recformer-infer depending on recformer-train"
