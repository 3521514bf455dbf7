package io.recformer.core.format;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.recformer.core.config.RecformerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The manifest of a model bundle: a directory holding the exported encoder ({@code model.onnx}),
 * its tokenizer ({@code tokenizer.json}) and this manifest ({@code manifest.json}), everything a
 * server needs to turn item and user text into vectors. Format and version policy: {@code
 * docs/formats.md}.
 *
 * @param config the model and input hyperparameters the bundle was exported with
 * @param modelFile file name of the ONNX model inside the bundle directory
 * @param tokenizerFile file name of the Hugging Face tokenizer inside the bundle directory
 * @param outputNames names of the model's output tensors, the first being the pooled vectors
 * @param outputDimension width of the pooled vectors (the item index must match it)
 * @param provenance who wrote the bundle, from what
 * @param modelSha256 SHA-256 of the model file, verified on {@link #read} when present
 * @param tokenizerSha256 SHA-256 of the tokenizer file, verified on {@link #read} when present
 * @param quantization how the model was quantized; empty for a float32 model
 */
public record BundleManifest(
    RecformerConfig config,
    String modelFile,
    String tokenizerFile,
    List<String> outputNames,
    int outputDimension,
    Provenance provenance,
    Optional<String> modelSha256,
    Optional<String> tokenizerSha256,
    Optional<BundleQuantization> quantization) {

  /**
   * The newest format version this library reads and writes. A manifest is written with the oldest
   * version that can hold it: 1 for a float32 model (readable by every release), 2 when it records
   * a {@link #quantization}, so an older reader refuses a quantized bundle with "upgrade" instead
   * of an unknown field.
   */
  public static final int FORMAT_VERSION = 2;

  /** The version that added {@link #quantization}. */
  static final int QUANTIZATION_SINCE = 2;

  /** The {@code kind} field that tells a bundle manifest from other manifests. */
  public static final String KIND = "recformer-onnx-bundle";

  /** File name of the manifest inside a bundle directory. */
  public static final String FILE_NAME = "manifest.json";

  public static final String DEFAULT_MODEL_FILE = "model.onnx";
  public static final String DEFAULT_TOKENIZER_FILE = "tokenizer.json";

  private static final String DESCRIPTION = "bundle manifest";

  public BundleManifest {
    if (config == null || provenance == null) {
      throw new IllegalArgumentException("bundle manifest needs a config and a provenance");
    }
    FileHashes.checkFileName("modelFile", modelFile);
    FileHashes.checkFileName("tokenizerFile", tokenizerFile);
    if (modelFile.equals(tokenizerFile)
        || modelFile.equals(FILE_NAME)
        || tokenizerFile.equals(FILE_NAME)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "modelFile = '%s', tokenizerFile = '%s' and %s must be three different files",
              modelFile,
              tokenizerFile,
              FILE_NAME));
    }
    if (outputNames == null
        || outputNames.isEmpty()
        || outputNames.stream().anyMatch(n -> n == null || n.isBlank())
        || new HashSet<>(outputNames).size() != outputNames.size()) {
      throw new IllegalArgumentException(
          "outputNames = "
              + outputNames
              + " must be a non-empty list of distinct, non-blank names");
    }
    outputNames = List.copyOf(outputNames);
    if (outputDimension < 1) {
      throw new IllegalArgumentException(
          "outputDimension = " + outputDimension + " is out of range: must be >= 1");
    }
    FileHashes.checkHash("modelSha256", modelSha256);
    FileHashes.checkHash("tokenizerSha256", tokenizerSha256);
    Objects.requireNonNull(quantization, "quantization");
  }

  /** A manifest of a float32 model (no quantization), the layout of format version 1. */
  public BundleManifest(
      RecformerConfig config,
      String modelFile,
      String tokenizerFile,
      List<String> outputNames,
      int outputDimension,
      Provenance provenance,
      Optional<String> modelSha256,
      Optional<String> tokenizerSha256) {
    this(
        config,
        modelFile,
        tokenizerFile,
        outputNames,
        outputDimension,
        provenance,
        modelSha256,
        tokenizerSha256,
        Optional.empty());
  }

  /** The format version {@link #write} stores: 2 if quantized, else 1. */
  public int formatVersion() {
    return quantization.isPresent() ? QUANTIZATION_SINCE : 1;
  }

  /** A manifest with the default file names and no hashes (add them with {@link #withHashes}). */
  public static BundleManifest of(
      RecformerConfig config,
      List<String> outputNames,
      int outputDimension,
      Provenance provenance) {
    return new BundleManifest(
        config,
        DEFAULT_MODEL_FILE,
        DEFAULT_TOKENIZER_FILE,
        outputNames,
        outputDimension,
        provenance,
        Optional.empty(),
        Optional.empty());
  }

  /** This manifest with the SHA-256 of the model and tokenizer files found in {@code directory}. */
  public BundleManifest withHashes(Path directory) throws IOException {
    return new BundleManifest(
        config,
        modelFile,
        tokenizerFile,
        outputNames,
        outputDimension,
        provenance,
        Optional.of(FileHashes.sha256(directory.resolve(modelFile))),
        Optional.of(FileHashes.sha256(directory.resolve(tokenizerFile))),
        quantization);
  }

  /** This manifest recording that the model was quantized as {@code q}. */
  public BundleManifest withQuantization(BundleQuantization q) {
    return new BundleManifest(
        config,
        modelFile,
        tokenizerFile,
        outputNames,
        outputDimension,
        provenance,
        modelSha256,
        tokenizerSha256,
        Optional.of(Objects.requireNonNull(q, "quantization")));
  }

  /**
   * Reads and checks a bundle: the manifest (kind, format version, every field), the presence of
   * the model and tokenizer files and, when recorded, their hashes.
   *
   * @param bundle the bundle directory, or its {@code manifest.json}
   * @throws java.nio.file.NoSuchFileException if the manifest or a file it names is missing
   * @throws ArtifactFormatException if the manifest is malformed, of another kind or version, has a
   *     missing, unknown or invalid field, or a file does not match its recorded hash
   */
  public static BundleManifest read(Path bundle) throws IOException {
    Path manifest = Files.isRegularFile(bundle) ? bundle : bundle.resolve(FILE_NAME);
    Fields f = ManifestFiles.read(manifest, KIND, FORMAT_VERSION, DESCRIPTION);
    int version = f.int32("formatVersion");
    RecformerConfig config = ConfigJson.read(f.object("config", "config"));
    String model = f.string("modelFile");
    String tokenizer = f.string("tokenizerFile");
    List<String> outputs = f.stringList("outputNames");
    int dimension = f.int32("outputDimension");
    Provenance provenance = Provenance.read(f.object("provenance", "provenance"));
    Optional<String> modelHash = f.optionalString("modelSha256");
    Optional<String> tokenizerHash = f.optionalString("tokenizerSha256");
    Optional<BundleQuantization> quantization = Optional.empty();
    if (version >= QUANTIZATION_SINCE) {
      Optional<Fields> q = f.optionalObject("quantization", "quantization");
      if (q.isPresent()) {
        quantization = Optional.of(BundleQuantization.read(q.get()));
      }
    }
    f.rejectUnknown(); // in version 1, 'quantization' is an unknown field
    BundleManifest m;
    try {
      m =
          new BundleManifest(
              config,
              model,
              tokenizer,
              outputs,
              dimension,
              provenance,
              modelHash,
              tokenizerHash,
              quantization);
    } catch (IllegalArgumentException e) {
      throw f.invalid(e);
    }
    Path dir = manifest.toAbsolutePath().getParent();
    FileHashes.verify(dir, m.modelFile, m.modelSha256, manifest);
    FileHashes.verify(dir, m.tokenizerFile, m.tokenizerSha256, manifest);
    return m;
  }

  /**
   * Writes {@code manifest.json} into the bundle directory atomically (creating the directory if
   * needed). Write it last, after the model and tokenizer files: a directory with a manifest is a
   * complete bundle.
   */
  public void write(Path directory) throws IOException {
    ManifestFiles.write(directory.resolve(FILE_NAME), toNode());
  }

  /** The manifest as JSON text, exactly as {@link #write} stores it. */
  public String toJson() {
    return ManifestFiles.render(toNode());
  }

  private ObjectNode toNode() {
    ObjectNode root = ManifestFiles.header(formatVersion(), KIND);
    root.set("config", ConfigJson.toNode(config));
    root.put("modelFile", modelFile);
    root.put("tokenizerFile", tokenizerFile);
    ArrayNode outputs = root.putArray("outputNames");
    outputNames.forEach(outputs::add);
    root.put("outputDimension", outputDimension);
    root.set("provenance", provenance.toNode());
    modelSha256.ifPresent(h -> root.put("modelSha256", h));
    tokenizerSha256.ifPresent(h -> root.put("tokenizerSha256", h));
    quantization.ifPresent(q -> root.set("quantization", q.toNode()));
    return root;
  }
}
