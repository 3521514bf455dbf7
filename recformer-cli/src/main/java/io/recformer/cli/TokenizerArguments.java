package io.recformer.cli;

import io.recformer.core.config.RecformerConfig;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.train.weights.MiniLmImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves the tokenizer a command uses: a tokenizer.json path, or {@code minilm} for the
 * all-MiniLM-L6-v2 tokenizer shipped in the Maven jar (never a download).
 */
final class TokenizerArguments {

  static final String MINILM = "minilm";

  private TokenizerArguments() {}

  static RecformerTokenizer open(String spec, RecformerConfig config, Path workDir)
      throws IOException {
    Path file;
    if (MINILM.equals(spec)) {
      file = workDir.resolve("tokenizer.json");
      if (!Files.isRegularFile(file)) {
        MiniLmImporter.copyTokenizerJson(file);
      }
    } else {
      file = Path.of(spec);
    }
    return RecformerTokenizer.open(file, config);
  }
}
