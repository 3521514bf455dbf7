#!/usr/bin/env bash
# Proves that the build's module rules really fail the build when broken: copies the sources into a
# scratch directory, adds a forbidden dependency, and expects the Maven enforcer to stop the build
# with the rule's message.
set -euo pipefail
source "$(dirname "$0")/scratch.sh"

# inject_dependency MODULE GROUP ARTIFACT [CLASSIFIER]
inject_dependency() {
  local pom="$scratch/repo/$1/pom.xml" dep
  dep="    <dependency><groupId>$2</groupId><artifactId>$3</artifactId>${4:+<classifier>$4</classifier>}</dependency>"
  # Insert as the first dependency of the module.
  awk -v dep="$dep" '{print} /<dependencies>/ && !done {print dep; done=1}' "$pom" > "$pom.new"
  mv "$pom.new" "$pom"
}

copy_sources
expect_accepted "the unmodified build" validate

copy_sources
inject_dependency recformer-core ai.djl.pytorch pytorch-engine
expect_rejected "recformer-core must stay engine-free" "recformer-core depending on DJL's PyTorch engine" \
  -pl recformer-core -am validate

copy_sources
inject_dependency recformer-core com.microsoft.onnxruntime onnxruntime
expect_rejected "recformer-core must stay engine-free" "recformer-core depending on ONNX Runtime" \
  -pl recformer-core -am validate

copy_sources
inject_dependency recformer-infer ai.djl.pytorch pytorch-engine
expect_rejected "recformer-infer serves through ONNX Runtime only" "recformer-infer depending on DJL's PyTorch engine" \
  -pl recformer-infer -am validate

copy_sources
inject_dependency recformer-infer io.recformer recformer-train
expect_rejected "recformer-infer serves through ONNX Runtime only" "recformer-infer depending on recformer-train" \
  -pl recformer-infer -am validate

copy_sources
inject_dependency recformer-serve io.recformer recformer-train
expect_rejected "recformer-serve serves through recformer-infer only" "recformer-serve depending on recformer-train" \
  -pl recformer-serve -am validate

copy_sources
inject_dependency recformer-serve io.recformer recformer-data
expect_rejected "recformer-serve serves through recformer-infer only" "recformer-serve depending on recformer-data" \
  -pl recformer-serve -am validate

copy_sources
inject_dependency recformer-core org.apache.spark spark-sql_2.13
expect_rejected "recformer-core must stay engine-free" "recformer-core depending on Apache Spark" \
  -pl recformer-core -am validate

copy_sources
inject_dependency recformer-infer org.apache.spark spark-sql_2.13
expect_rejected "recformer-infer serves through ONNX Runtime only" "recformer-infer depending on Apache Spark" \
  -pl recformer-infer -am validate

copy_sources
inject_dependency recformer-spark io.recformer recformer-train
expect_rejected "recformer-spark runs on executors" "recformer-spark depending on recformer-train" \
  -pl recformer-spark -am validate
