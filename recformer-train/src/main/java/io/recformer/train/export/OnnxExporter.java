package io.recformer.train.export;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.BundleArchive;
import io.recformer.core.format.BundleManifest;
import io.recformer.core.format.BundleQuantization;
import io.recformer.core.format.ConfigJson;
import io.recformer.core.format.EncoderModelContract;
import io.recformer.core.format.Provenance;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.train.model.AttentionMode;
import io.recformer.train.model.RecformerModel;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports a trained encoder to ONNX (standard opset-17 operators, weights as float32 initializers)
 * and writes model bundles: a directory with {@code model.onnx}, {@code tokenizer.json} and {@code
 * manifest.json}, or the same three files as one archive ({@link BundleArchive}). The graph's
 * inputs, outputs and metadata keys are those of {@link EncoderModelContract}; {@code
 * docs/formats.md} documents them.
 *
 * <p>The exported graph computes what {@link RecformerModel#encode} computes in eval mode (no
 * dropout), in one of the DJL model's exact attention layouts: one band-masked n x n score matrix
 * per head for bundles of short sequences, the O(n w) chunked layout otherwise ({@link
 * AttentionMode}; the default picks by {@code maxTokens}, and the metadata key {@link
 * #META_ATTENTION} records the choice). The parity tests hold every layout to 1e-4 of the DJL
 * model.
 *
 * <p>Optionally the Linear layers are quantized to int8 ({@link Int8Quantization}, rewrite in
 * {@link Int8Quantizer}) for faster CPU serving; the manifest then records it.
 */
public final class OnnxExporter {

  private static final Logger LOG = LoggerFactory.getLogger(OnnxExporter.class);
  private static final String PRODUCER = "recformer";

  /**
   * Metadata key of the attention layout of the exported graph: {@code dense-band} or {@code
   * chunked}. Informational: every layout computes the same outputs.
   */
  public static final String META_ATTENTION = "recformer.attention";

  private OnnxExporter() {}

  /** The serialized ONNX model of a DJL model's current weights. */
  public static byte[] toOnnx(RecformerModel model, Provenance provenance) {
    return toOnnx(model.config(), model.exportWeightMap(), provenance);
  }

  /**
   * The serialized ONNX model of an encoder given by its weights (Hugging Face names, Linear
   * weights {@code [out, in]}, as {@link RecformerModel#exportWeightMap()}; MLM-head weights are
   * ignored). The same inputs always give the same bytes.
   *
   * @throws IllegalArgumentException if an encoder weight is missing or has the wrong shape
   */
  public static byte[] toOnnx(
      RecformerConfig config, Map<String, WeightTensor> weights, Provenance provenance) {
    return export(config, weights, provenance, Optional.empty(), AttentionMode.SLIDING_WINDOW)
        .onnx();
  }

  /**
   * As {@link #toOnnx(RecformerConfig, Map, Provenance)} with the attention computed in a given
   * layout ({@link AttentionMode#DENSE_BAND} or {@link AttentionMode#CHUNKED}; {@link
   * AttentionMode#SLIDING_WINDOW} picks by {@code maxTokens}). All layouts give the same outputs;
   * they differ in speed.
   */
  public static byte[] toOnnx(
      RecformerConfig config,
      Map<String, WeightTensor> weights,
      Provenance provenance,
      Optional<Int8Quantization> quantization,
      AttentionMode attention) {
    return export(config, weights, provenance, quantization, attention).onnx();
  }

  /**
   * As {@link #toOnnx(RecformerConfig, Map, Provenance)}, with the Linear layers quantized to int8
   * ({@link Int8Quantization}); the model's metadata then records the quantization under {@link
   * EncoderModelContract#META_QUANTIZATION}.
   *
   * @throws IllegalArgumentException also if a layer to keep in float32 is not a Linear layer
   */
  public static byte[] toOnnx(
      RecformerConfig config,
      Map<String, WeightTensor> weights,
      Provenance provenance,
      Int8Quantization quantization) {
    return export(
            config, weights, provenance, Optional.of(quantization), AttentionMode.SLIDING_WINDOW)
        .onnx();
  }

  /** Serialized model and, when quantized, what the manifest records about it. */
  // The byte array is handed straight to a file; the record is never compared.
  @SuppressWarnings("ArrayRecordComponent")
  private record Exported(byte[] onnx, Optional<BundleQuantization> quantization) {}

  private static Exported export(
      RecformerConfig config,
      Map<String, WeightTensor> weights,
      Provenance provenance,
      Optional<Int8Quantization> int8,
      AttentionMode attention) {
    AttentionMode layout = EncoderGraph.resolve(attention, config);
    OnnxMl.GraphProto graph = EncoderGraph.build(config, weights, layout);
    OnnxMl.ModelProto.Builder model =
        OnnxMl.ModelProto.newBuilder()
            .setIrVersion(EncoderGraph.IR_VERSION)
            .addOpsetImport(
                OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(EncoderGraph.OPSET))
            .setProducerName(PRODUCER)
            .setProducerVersion(provenance.libraryVersion())
            .setModelVersion(EncoderModelContract.MODEL_FORMAT_VERSION)
            .setDocString("Recformer encoder (Longformer sliding-window + global attention)")
            .setGraph(graph);
    Optional<BundleQuantization> quantization = Optional.empty();
    if (int8.isPresent()) {
      Map<String, float[]> ranges = Map.of();
      if (!int8.get().calibration().isEmpty()) {
        long start = System.nanoTime();
        ranges =
            ActivationCalibrator.channelMax(
                model.build(), Int8Quantizer.linearInputs(graph), config, int8.get().calibration());
        LOG.info(
            String.format(
                Locale.ROOT,
                "calibrated int8 quantization on %d sequences in %.1f s",
                int8.get().calibration().size(),
                (System.nanoTime() - start) / 1e9));
      }
      Int8Quantizer.Result q = Int8Quantizer.quantize(graph, int8.get(), ranges);
      model.setGraph(q.graph());
      quantization = Optional.of(q.quantization());
    }
    Map<String, String> metadata = metadata(config, provenance);
    metadata.put(META_ATTENTION, layout == AttentionMode.DENSE_BAND ? "dense-band" : "chunked");
    quantization.ifPresent(q -> metadata.put(EncoderModelContract.META_QUANTIZATION, q.summary()));
    metadata.forEach(
        (k, v) ->
            model.addMetadataProps(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    return new Exported(model.build().toByteArray(), quantization);
  }

  /** The metadata_props written into every exported model, in order. */
  static Map<String, String> metadata(RecformerConfig config, Provenance provenance) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(EncoderModelContract.META_KIND, EncoderModelContract.MODEL_KIND);
    m.put(
        EncoderModelContract.META_FORMAT_VERSION,
        Integer.toString(EncoderModelContract.MODEL_FORMAT_VERSION));
    m.put(EncoderModelContract.META_OPSET, Integer.toString(EncoderGraph.OPSET));
    m.put(EncoderModelContract.META_CONFIG, ConfigJson.toJson(config));
    m.put(EncoderModelContract.META_PROVENANCE, provenanceJson(provenance));
    return m;
  }

  private static String provenanceJson(Provenance p) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode node = mapper.createObjectNode();
    node.put("datasetFingerprint", p.datasetFingerprint());
    node.put("seed", p.seed());
    node.put("libraryVersion", p.libraryVersion());
    node.put("javaVersion", p.javaVersion());
    node.put("os", p.os());
    node.put("arch", p.arch());
    node.put("gitCommit", p.gitCommit());
    node.put("createdAt", p.createdAt().toString());
    ObjectNode extras = node.putObject("extras");
    p.extras().forEach(extras::put);
    return node.toString();
  }

  /** {@link #writeBundle(RecformerConfig, Map, Path, Provenance, Path)} for a DJL model. */
  public static BundleManifest writeBundle(
      RecformerModel model, Path tokenizerJson, Provenance provenance, Path bundleDirectory)
      throws IOException {
    return writeBundle(
        model.config(), model.exportWeightMap(), tokenizerJson, provenance, bundleDirectory);
  }

  /**
   * Writes a bundle directory: the model, a copy of the tokenizer and the manifest (with both
   * files' SHA-256). Everything is written into a temporary sibling directory that then replaces
   * {@code bundleDirectory} in one move, so readers see the old bundle or the complete new one.
   *
   * @param tokenizerJson the tokenizer the model was trained with; its vocabulary must fit the
   *     config's word-embedding table
   * @return the manifest written
   */
  public static BundleManifest writeBundle(
      RecformerConfig config,
      Map<String, WeightTensor> weights,
      Path tokenizerJson,
      Provenance provenance,
      Path bundleDirectory)
      throws IOException {
    return writeBundle(
        config,
        weights,
        tokenizerJson,
        provenance,
        bundleDirectory,
        Optional.empty(),
        AttentionMode.SLIDING_WINDOW);
  }

  /**
   * As {@link #writeBundle(RecformerConfig, Map, Path, Provenance, Path)} with an int8 model; the
   * manifest records the quantization (bundle format version 2). {@code RecformerEncoder.open}
   * serves it unchanged.
   */
  public static BundleManifest writeBundle(
      RecformerConfig config,
      Map<String, WeightTensor> weights,
      Path tokenizerJson,
      Provenance provenance,
      Path bundleDirectory,
      Int8Quantization quantization)
      throws IOException {
    return writeBundle(
        config,
        weights,
        tokenizerJson,
        provenance,
        bundleDirectory,
        Optional.of(quantization),
        AttentionMode.SLIDING_WINDOW);
  }

  /**
   * The general form of {@link #writeBundle(RecformerConfig, Map, Path, Provenance, Path)}: float32
   * or int8 ({@code quantization}), with the attention in a given layout ({@link
   * #toOnnx(RecformerConfig, Map, Provenance, Optional, AttentionMode)}).
   */
  public static BundleManifest writeBundle(
      RecformerConfig config,
      Map<String, WeightTensor> weights,
      Path tokenizerJson,
      Provenance provenance,
      Path bundleDirectory,
      Optional<Int8Quantization> quantization,
      AttentionMode attention)
      throws IOException {
    // Fails early (naming the file) if the tokenizer does not fit the model.
    RecformerTokenizer.open(tokenizerJson, config).close(); // opened only to be validated
    long start = System.nanoTime();
    Exported exported = export(config, weights, provenance, quantization, attention);
    byte[] onnx = exported.onnx();
    Path target = bundleDirectory.toAbsolutePath();
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path temp = Files.createTempDirectory(parent, "." + target.getFileName() + ".");
    try {
      Files.write(temp.resolve(BundleManifest.DEFAULT_MODEL_FILE), onnx);
      Files.copy(tokenizerJson, temp.resolve(BundleManifest.DEFAULT_TOKENIZER_FILE));
      BundleManifest manifest =
          BundleManifest.of(
                  config, EncoderModelContract.OUTPUT_NAMES, config.hiddenSize(), provenance)
              .withHashes(temp);
      if (exported.quantization().isPresent()) {
        manifest = manifest.withQuantization(exported.quantization().get());
      }
      manifest.write(temp);
      replaceDirectory(temp, target);
      LOG.info(
          String.format(
              Locale.ROOT,
              "wrote bundle %s (model %.1f MB%s) in %.1f s",
              target,
              onnx.length / 1e6,
              exported.quantization().map(q -> ", " + q.summary()).orElse(""),
              (System.nanoTime() - start) / 1e9));
      return manifest;
    } finally {
      AtomicFiles.deleteRecursively(temp);
    }
  }

  /** {@link #writeArchive(RecformerConfig, Map, Path, Provenance, Path)} for a DJL model. */
  public static BundleManifest writeArchive(
      RecformerModel model, Path tokenizerJson, Provenance provenance, Path archive)
      throws IOException {
    return writeArchive(
        model.config(), model.exportWeightMap(), tokenizerJson, provenance, archive);
  }

  /**
   * Writes the bundle as one archive file ({@link BundleArchive}), atomically: the same bytes as
   * packing the directory that {@link #writeBundle} writes.
   */
  public static BundleManifest writeArchive(
      RecformerConfig config,
      Map<String, WeightTensor> weights,
      Path tokenizerJson,
      Provenance provenance,
      Path archive)
      throws IOException {
    return writeArchive(
        config,
        weights,
        tokenizerJson,
        provenance,
        archive,
        Optional.empty(),
        AttentionMode.SLIDING_WINDOW);
  }

  /** As {@link #writeArchive(RecformerConfig, Map, Path, Provenance, Path)} with an int8 model. */
  public static BundleManifest writeArchive(
      RecformerConfig config,
      Map<String, WeightTensor> weights,
      Path tokenizerJson,
      Provenance provenance,
      Path archive,
      Int8Quantization quantization)
      throws IOException {
    return writeArchive(
        config,
        weights,
        tokenizerJson,
        provenance,
        archive,
        Optional.of(quantization),
        AttentionMode.SLIDING_WINDOW);
  }

  /**
   * The general form of {@link #writeArchive(RecformerConfig, Map, Path, Provenance, Path)}, as
   * {@link #writeBundle(RecformerConfig, Map, Path, Provenance, Path, Optional, AttentionMode)}.
   */
  public static BundleManifest writeArchive(
      RecformerConfig config,
      Map<String, WeightTensor> weights,
      Path tokenizerJson,
      Provenance provenance,
      Path archive,
      Optional<Int8Quantization> quantization,
      AttentionMode attention)
      throws IOException {
    Path target = archive.toAbsolutePath();
    Files.createDirectories(target.getParent());
    Path temp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".");
    try {
      Path dir = temp.resolve("bundle");
      writeBundle(config, weights, tokenizerJson, provenance, dir, quantization, attention);
      return BundleArchive.write(dir, target);
    } finally {
      AtomicFiles.deleteRecursively(temp);
    }
  }

  /** Moves a finished directory over the target; an existing target is moved aside first. */
  private static void replaceDirectory(Path finished, Path target) throws IOException {
    if (!Files.exists(target)) {
      AtomicFiles.moveIntoPlace(finished, target);
      return;
    }
    if (!Files.isDirectory(target)) {
      throw new IOException(
          "cannot write a bundle to " + target + ": it exists and is not a" + " directory");
    }
    Path old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old.");
    Files.delete(old);
    Files.move(target, old);
    try {
      AtomicFiles.moveIntoPlace(finished, target);
    } catch (IOException | RuntimeException e) {
      Files.move(old, target); // put the previous bundle back
      throw e;
    }
    AtomicFiles.deleteRecursively(old);
  }
}
