package io.recformer.cli;

import io.recformer.cli.config.ResolvedConfig;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.format.BundleManifest;
import io.recformer.core.format.BundleQuantization;
import io.recformer.core.format.CheckpointManifest;
import io.recformer.core.format.Provenance;
import io.recformer.core.io.AtomicFiles;
import io.recformer.core.text.RecformerTokenizer;
import io.recformer.data.dataset.Dataset;
import io.recformer.train.checkpoint.ModelSource;
import io.recformer.train.export.Int8Quantization;
import io.recformer.train.export.OnnxExporter;
import io.recformer.train.model.AttentionMode;
import io.recformer.train.weights.MiniLmImporter;
import io.recformer.train.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code recformer export}: a checkpoint as an ONNX model bundle (directory and/or archive). */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Export a checkpoint (or the all-MiniLM-L6-v2 initialization) to an ONNX model bundle for"
          + " recformer-infer: model.onnx (opset 17), tokenizer.json and manifest.json with"
          + " provenance, as a directory (--bundle) and/or a single-file archive (--archive).",
      "Both are written atomically: readers see the old bundle or the complete new one."
    })
final class ExportCommand implements Callable<Integer> {

  @Option(
      names = "--checkpoint",
      required = true,
      paramLabel = "<dir|minilm>",
      description =
          "Checkpoint directory (a run's best/, or the run directory itself), or"
              + " 'minilm' for the untrained all-MiniLM-L6-v2 encoder.")
  String checkpoint;

  @Option(names = "--bundle", paramLabel = "<dir>", description = "Bundle directory to write.")
  Path bundle;

  @Option(
      names = "--archive",
      paramLabel = "<file>",
      description = "Single-file bundle archive to write.")
  Path archive;

  @Option(
      names = "--tokenizer",
      paramLabel = "<minilm|tokenizer.json>",
      description =
          "Tokenizer the model was trained with, copied into the bundle"
              + " (default: ${DEFAULT-VALUE}).")
  String tokenizer = TokenizerArguments.MINILM;

  @Option(
      names = "--seed",
      paramLabel = "<n>",
      description =
          "Seeds the tables MiniLM lacks"
              + " (item positions) when exporting 'minilm' (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  @Option(
      names = "--quantize",
      paramLabel = "<none|int8>",
      description =
          "int8: Linear layers as int8 dynamic quantization (DynamicQuantizeLinear + MatMulInteger,"
              + " int8 weights), for faster CPU serving; the manifest records it (default:"
              + " ${DEFAULT-VALUE}).")
  String quantize = "none";

  @Option(
      names = "--calibration-data",
      paramLabel = "<dataset|none>",
      description =
          "With --quantize int8 (required there): a dataset whose catalog items calibrate the"
              + " activation ranges (outlier channels stay float32), or 'none' for no calibration"
              + " (less accurate: see docs/benchmarks.md).")
  String calibrationData;

  @Option(
      names = "--calibration-items",
      paramLabel = "<n>",
      description = "Catalog items used for calibration (default: ${DEFAULT-VALUE}).")
  int calibrationItems = 256;

  @Option(
      names = "--outlier-threshold",
      paramLabel = "<x>",
      description =
          "Input channels whose calibrated range exceeds this multiple of the layer's median run in"
              + " float32 (default: ${DEFAULT-VALUE}).")
  double outlierThreshold = Int8Quantization.DEFAULT_OUTLIER_THRESHOLD;

  @Option(
      names = "--weight-scales",
      paramLabel = "<per-channel|per-tensor>",
      description = "int8 weight scales (default: ${DEFAULT-VALUE}).")
  String weightScales = "per-channel";

  @Option(
      names = "--float32-layers",
      split = ",",
      paramLabel = "<layer>",
      description =
          "Linear layers kept in float32 with --quantize int8, e.g."
              + " encoder.layer.0.output.dense (comma-separated).")
  List<String> float32Layers = new ArrayList<>();

  @Option(
      names = "--attention",
      paramLabel = "<layout>",
      defaultValue = "auto",
      description =
          "Attention layout of the exported graph: auto (default: dense-band when max tokens"
              + " span at most 4 chunks of w/2, else chunked), dense-band or chunked. All give the"
              + " same vectors; they differ in speed (docs/benchmarks.md).")
  String attention = "auto";

  @Mixin ConfigArguments settings;
  @Mixin ModelArguments model;

  @Override
  public Integer call() throws Exception {
    if (bundle == null && archive == null) {
      throw new IllegalArgumentException(
          "nothing to write: give --bundle <dir> and/or" + " --archive <file>");
    }
    ModelSource start = ModelSource.of(checkpoint);
    ResolvedConfig resolved =
        settings.resolve(Schemas.export(start.config(), start.label()), model.layers());
    RecformerConfig config = resolved.bind(start.config());
    ConfigArguments.log("export", resolved);
    Map<String, String> extras = new LinkedHashMap<>();
    extras.put("task", "export");
    long provenanceSeed = seed;
    if (start.checkpoint() == null) {
      extras.put("source", "all-MiniLM-L6-v2 (" + MiniLmImporter.ONNX_RESOURCE + ")");
    } else {
      CheckpointManifest m = CheckpointManifest.read(start.checkpoint());
      extras.put("source", start.checkpoint().toAbsolutePath().toString());
      m.weightsSha256().ifPresent(h -> extras.put("checkpointSha256", h));
      m.stage().ifPresent(s -> extras.put("checkpointStage", s));
      m.step().ifPresent(s -> extras.put("checkpointStep", Long.toString(s)));
      extras.put("checkpointCommit", m.provenance().gitCommit());
      extras.put("checkpointCreatedAt", m.provenance().createdAt().toString());
      provenanceSeed = m.provenance().seed();
    }
    Provenance provenance = Provenance.capture(start.datasetFingerprint(), provenanceSeed, extras);
    Map<String, WeightTensor> weights = start.weights(config, seed);
    Path work = Files.createTempDirectory("recformer-export");
    try {
      Path tokenizerJson = tokenizerFile(work);
      // Fails early, naming the file, when the tokenizer does not fit the model.
      RecformerTokenizer.open(tokenizerJson, config).close(); // opened only to be validated
      Optional<Int8Quantization> int8 = Optional.ofNullable(quantization(tokenizerJson, config));
      AttentionMode layout = attentionLayout();
      if (bundle != null) {
        BundleManifest m =
            OnnxExporter.writeBundle(
                config, weights, tokenizerJson, provenance, bundle, int8, layout);
        System.out.println(
            "Bundle written: "
                + bundle.toAbsolutePath()
                + " ("
                + m.outputDimension()
                + "-dim vectors, max tokens "
                + config.maxTokens()
                + ", "
                + config.pooling()
                + " pooling"
                + m.quantization().map(q -> ", " + q.summary()).orElse("")
                + ")");
      }
      if (archive != null) {
        OnnxExporter.writeArchive(
            config, weights, tokenizerJson, provenance, archive, int8, layout);
        System.out.println(
            "Archive written: "
                + archive.toAbsolutePath()
                + " ("
                + Files.size(archive)
                + " bytes)");
      }
      System.out.println(
          "Next: serve it with recformer-infer (RecformerEncoder.open(bundle, ...))"
              + " or build an item index from it (see docs/cli.md).");
      return 0;
    } finally {
      AtomicFiles.deleteRecursively(work);
    }
  }

  private AttentionMode attentionLayout() {
    return switch (attention) {
      case "auto" -> AttentionMode.SLIDING_WINDOW;
      case "dense-band" -> AttentionMode.DENSE_BAND;
      case "chunked" -> AttentionMode.CHUNKED;
      default ->
          throw new IllegalArgumentException(
              "--attention = '" + attention + "' is not one of auto, dense-band, chunked");
    };
  }

  /** The int8 settings of --quantize int8, or null for a float32 export. */
  private Int8Quantization quantization(Path tokenizerJson, RecformerConfig config)
      throws IOException {
    switch (quantize) {
      case "none" -> {
        if (calibrationData != null || !float32Layers.isEmpty()) {
          throw new IllegalArgumentException(
              "--calibration-data and --float32-layers need --quantize int8");
        }
        return null;
      }
      case "int8" -> {
        // checked below
      }
      default ->
          throw new IllegalArgumentException(
              "--quantize = '" + quantize + "' is not one of none, int8");
    }
    if (calibrationData == null) {
      throw new IllegalArgumentException(
          "--quantize int8 needs --calibration-data <dataset> (catalog items whose activation"
              + " ranges pick the float32 outlier channels) or --calibration-data none");
    }
    Int8Quantization int8 =
        new Int8Quantization(
            BundleQuantization.Granularity.fromJson(weightScales),
            float32Layers,
            List.of(),
            outlierThreshold);
    if (calibrationData.equals("none")) {
      return int8;
    }
    Dataset dataset = DatasetArguments.open(Path.of(calibrationData), false);
    try (RecformerTokenizer t = RecformerTokenizer.open(tokenizerJson, config)) {
      return int8.withCalibrationItems(t, dataset.items(), calibrationItems);
    }
  }

  private Path tokenizerFile(Path work) throws IOException {
    if (TokenizerArguments.MINILM.equals(tokenizer)) {
      Path file = work.resolve("tokenizer.json");
      MiniLmImporter.copyTokenizerJson(file);
      return file;
    }
    Path file = Path.of(tokenizer);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "tokenizer file not found");
    }
    return file;
  }
}
