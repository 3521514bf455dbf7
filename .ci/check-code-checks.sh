#!/usr/bin/env bash
# Proves that the build's code checks really fail the build: in a scratch copy of the sources, a
# misformatted file must fail the formatter check, and a common bug pattern must fail the compile
# (Error Prone), whether Error Prone ranks it an error or a warning (warnings fail the build too).
set -euo pipefail
source "$(dirname "$0")/scratch.sh"

core="recformer-core/src/main/java/io/recformer/core"

# write_probe BODY: a formatted class in recformer-core whose one method holds BODY.
write_probe() {
  cat > "$scratch/repo/$core/Probe.java" <<JAVA
package io.recformer.core;

final class Probe {

  private Probe() {}

  static Object probe(String text, Object other) {
$1
  }
}
JAVA
}

copy_sources
expect_accepted "the unmodified recformer-core (formatter check and Error Prone)" -pl recformer-core compile

copy_sources
# Two statements on one line: valid Java that google-java-format would split.
sed -i '0,/^  public Item {$/s//  public Item { int unused = 0; unused++;/' "$scratch/repo/$core/item/Item.java"
expect_rejected "format violations" "a misformatted file" -pl recformer-core process-sources

# The bug patterns below compile with plain javac; only the static analysis stops them.
copy_sources
write_probe '    text.trim();
    return other;'
expect_rejected "[ReturnValueIgnored]" "an ignored return value (Error Prone error)" \
  -pl recformer-core compile -Dspotless.check.skip=true

copy_sources
write_probe '    return text.equals(other) ? other : String.format("%d items", text);'
expect_rejected "[FormatString]" "a format string that does not match its argument (Error Prone error)" \
  -pl recformer-core compile -Dspotless.check.skip=true

copy_sources
write_probe '    return text.split(",")[0] == other ? other : text;'
expect_rejected "[StringSplitter]" "String.split's surprising form (Error Prone warning, fails the build)" \
  -pl recformer-core compile -Dspotless.check.skip=true

copy_sources
write_probe '    return new java.util.ArrayList<>(java.util.List.of(text, other));'
expect_rejected "[UnnecessarilyFullyQualified]" "a fully qualified name where an import would do" \
  -pl recformer-core compile -Dspotless.check.skip=true
