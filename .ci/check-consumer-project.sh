#!/usr/bin/env bash
# Proves the README's "Getting the artifacts" steps: install the artifacts of this checkout
# (`mvn -B install -DskipTests`), then build and run a separate, tiny Maven project that depends on
# recformer-infer and slf4j-simple exactly as the README shows, with Maven offline (-o), so it can
# only use what the install put into the local repository. The program serves recommendations from
# the committed tiny bundle and must not print SLF4J's "No SLF4J providers" warning.
#
# Needs the dependencies and plugins in ~/.m2 (CI's warm-up step fetches them). The artifacts are
# installed into a private local repository (links into ~/.m2/repository for everything else), so
# running this does not replace the recformer artifacts other checkouts installed. Set
# CONSUMER_LOCAL_REPO=~/.m2/repository to install into the real one instead.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export OPT_OUT_TRACKING=true DJL_OFFLINE=true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

m2="${HOME}/.m2/repository"
repo="${CONSUMER_LOCAL_REPO:-}"
if [ -z "$repo" ]; then
  # A local repository that shares every artifact of ~/.m2 except io.recformer.
  repo="$work/repository"
  mkdir -p "$repo/io"
  for entry in "$m2"/*; do
    name=$(basename "$entry")
    [ "$name" = io ] || ln -s "$entry" "$repo/$name"
  done
  if [ -d "$m2/io" ]; then
    for entry in "$m2"/io/*; do
      name=$(basename "$entry")
      [ "$name" = recformer ] || ln -s "$entry" "$repo/io/$name"
    done
  fi
fi

version=$(grep -m1 -A1 '<artifactId>recformer-parent</artifactId>' pom.xml \
  | sed -n 's:.*<version>\(.*\)</version>.*:\1:p')
if [ -z "$version" ]; then
  echo "could not read the project version from pom.xml" >&2
  exit 1
fi

echo "== the README's step: mvn -B install -DskipTests (version $version)"
mvn -B -q -o -Dmaven.repo.local="$repo" install -DskipTests

echo "== a separate project depending on recformer-infer $version and slf4j-simple, offline"
consumer="$work/consumer"
mkdir -p "$consumer/src/main/java/example"
cat > "$consumer/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>recformer-consumer</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>io.recformer</groupId>
      <artifactId>recformer-infer</artifactId>
      <version>$version</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>2.0.17</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <!-- The plugin versions this project pins, so that an offline build finds them. -->
      <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
      <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.14.0</version></plugin>
      <plugin><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
    </plugins>
  </build>
</project>
EOF
cat > "$consumer/src/main/java/example/Main.java" <<'EOF'
package example;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemCatalog;
import io.recformer.infer.encoder.EncoderOptions;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.recommend.RecommendOptions;
import io.recformer.infer.recommend.Recommendation;
import io.recformer.infer.recommend.Recommender;
import io.recformer.infer.recommend.RecommenderOptions;
import java.nio.file.Path;
import java.util.List;

public final class Main {
  public static void main(String[] args) throws Exception {
    List<Item> items =
        List.of(
            Item.of("i1", "title", "Gorilla wood glue", "brand", "Gorilla"),
            Item.of("i2", "title", "IKEA desk lamps", "brand", "IKEA"),
            Item.of("i3", "title", "nikon camera lens", "brand", "Nikon"));
    try (RecformerEncoder encoder = RecformerEncoder.open(Path.of(args[0]), EncoderOptions.defaults());
        Recommender recommender =
            Recommender.create(
                encoder, ItemCatalog.of(items), Path.of(args[1]), RecommenderOptions.defaults())) {
      List<List<Recommendation>> lists =
          recommender.recommendAll(List.of(List.of("i1"), List.of("i2")), 2, RecommendOptions.DEFAULTS);
      for (List<Recommendation> list : lists) {
        System.out.println("recommended " + list.get(0).itemId() + " (" + list.size() + " items)");
      }
    }
  }
}
EOF
(cd "$consumer" && mvn -B -q -o -Dmaven.repo.local="$repo" compile dependency:build-classpath \
  -Dmdep.outputFile="$work/classpath.txt")

echo "== running it (Vector API enabled, as the README's JVM flags say)"
java -Xss4m --add-modules jdk.incubator.vector -Dai.djl.offline=true \
  -cp "$consumer/target/classes:$(cat "$work/classpath.txt")" example.Main \
  "$root/recformer-infer/src/test/resources/bundles/tiny" "$work/catalog" \
  >"$work/out.txt" 2>"$work/err.txt" || {
  cat "$work/out.txt" "$work/err.txt" >&2
  echo "the consumer program failed" >&2
  exit 1
}
cat "$work/out.txt"
if [ "$(grep -c '^recommended i[0-9] (2 items)$' "$work/out.txt")" -ne 2 ]; then
  echo "expected two lines 'recommended iN (2 items)'" >&2
  exit 1
fi
if grep -q "No SLF4J providers" "$work/err.txt"; then
  echo "SLF4J found no binding although the consumer declares slf4j-simple:" >&2
  cat "$work/err.txt" >&2
  exit 1
fi
if ! grep -q "io.recformer.infer" "$work/err.txt"; then
  echo "no log line from recformer-infer reached slf4j-simple (stderr):" >&2
  cat "$work/err.txt" >&2
  exit 1
fi
echo "consumer project OK: built offline against the installed recformer-infer $version"
