package io.recformer.cli;

import static io.recformer.cli.CliRunner.run;
import static io.recformer.cli.CliRunner.runWithInput;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.cli.CliRunner.Run;
import io.recformer.core.item.Item;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.infer.encoder.RecformerEncoder;
import io.recformer.infer.index.ExactItemIndex;
import io.recformer.train.weights.SafeTensors;
import io.recformer.train.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * index, recommend and bench on a slice of the bundled Amazon Scientific data (the first 40 users
 * and their items) with the committed tiny bundle of recformer-infer (its own tiny tokenizer).
 */
class ServingCommandsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path shared;
  @TempDir Path temp;

  static Path data;
  static Dataset dataset;
  static Path index;

  @BeforeAll
  static void sliceAndIndex() throws Exception {
    data = shared.resolve("slice");
    dataset = CliRunner.writeScientificSlice(data, 40);
    index = shared.resolve("idx/items.rfidx");
    Run run = CliRunner.indexWithTinyBundle(data, index);
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .containsPattern(
            "indexed "
                + dataset.itemCount()
                + " items \\(16 dimensions\\) in [0-9.]+ s,"
                + " [0-9,.]+ items/s");
  }

  @Test
  void indexHoldsEveryCatalogItemTiedToTheBundle() throws Exception {
    ExactItemIndex saved = ExactItemIndex.open(index);
    assertThat(saved.size()).isEqualTo(dataset.itemCount());
    assertThat(saved.dimension()).isEqualTo(16);
    try (RecformerEncoder encoder = RecformerEncoder.open(CliRunner.TINY_BUNDLE)) {
      assertThat(saved.fingerprint())
          .isEqualTo("sha256:" + encoder.manifest().modelSha256().orElseThrow());
      // Row vectors are the encoder's normalized item vectors.
      Item first = dataset.items().get(0);
      float[] expected = encoder.embedItem(first);
      float[] actual = saved.vector(saved.rowOf(first.id()).getAsInt());
      for (int i = 0; i < expected.length; i++) {
        assertThat((double) actual[i]).isCloseTo(expected[i], within(1e-5));
      }
    }
  }

  /**
   * {@code --item-matrix} indexes a stored matrix's rows (normalized) instead of encoding the
   * items, tied to the bundle like any index, and refuses a matrix of the wrong shape or of a run
   * on another dataset.
   */
  @Test
  void indexFromAStoredItemMatrixHoldsItsRows() throws Exception {
    int n = dataset.itemCount();
    float[] values = new float[n * 16];
    Random random = new Random(5);
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian();
    }
    Path matrixFile = temp.resolve("ckpt/item-matrix.safetensors");
    Files.createDirectories(matrixFile.getParent());
    SafeTensors.write(
        matrixFile,
        Map.of("item_matrix", new WeightTensor("item_matrix", new long[] {n, 16}, values)),
        Map.of());
    Path stored = temp.resolve("stored/items.rfidx");
    Run run =
        run(
            "index",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--out",
            stored.toString(),
            "--item-matrix",
            matrixFile.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("indexed " + n + " items (16 dimensions) from " + matrixFile);
    ExactItemIndex saved = ExactItemIndex.open(stored);
    assertThat(saved.fingerprint()).isEqualTo(ExactItemIndex.open(index).fingerprint());
    int row = 7;
    float[] actual = saved.vector(saved.rowOf(dataset.items().get(row).id()).getAsInt());
    double norm = 0;
    for (int j = 0; j < 16; j++) {
      norm += values[row * 16 + j] * (double) values[row * 16 + j];
    }
    for (int j = 0; j < 16; j++) {
      assertThat((double) actual[j])
          .isCloseTo(values[row * 16 + j] / Math.sqrt(norm), within(1e-6));
    }
    Run served =
        run(
            "recommend",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--index",
            stored.toString(),
            "--user",
            dataset.users().get(0).userId(),
            "-k",
            "3",
            "--threads",
            "1");
    assertThat(served.exitCode()).as(served.err()).isZero();

    Path wrongShape = temp.resolve("narrow/item-matrix.safetensors");
    Files.createDirectories(wrongShape.getParent());
    SafeTensors.write(
        wrongShape,
        Map.of("item_matrix", new WeightTensor("item_matrix", new long[] {n, 8}, new float[n * 8])),
        Map.of());
    Path refused = temp.resolve("refused.rfidx");
    assertBadInput(
        run(
            "index",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--out",
            refused.toString(),
            "--item-matrix",
            wrongShape.toString()),
        "expected an 'item_matrix' of "
            + n
            + " x 16 (catalog items x the bundle's dimension), found ["
            + n
            + ", 8]");
    Path otherRun = temp.resolve("other-run");
    Files.createDirectories(otherRun);
    Files.copy(matrixFile, otherRun.resolve("item-matrix.safetensors"));
    Files.writeString(
        otherRun.resolve("provenance.json"), "{\"datasetFingerprint\" : \"sha256:0ther\"}");
    assertBadInput(
        run(
            "index",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--out",
            refused.toString(),
            "--item-matrix",
            otherRun.resolve("item-matrix.safetensors").toString()),
        "was trained on dataset sha256:0ther, not on the one given ("
            + dataset.fingerprint()
            + ")");
    assertThat(refused).doesNotExist();
  }

  @Test
  void recommendForAUserMatchesBruteForceCosineOverTheCatalog() throws Exception {
    UserHistory user = dataset.users().get(3);
    Run run =
        run(
            "recommend",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--index",
            index.toString(),
            "--user",
            user.userId(),
            "-k",
            "5",
            "--format",
            "json",
            "--threads",
            "1");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode root = JSON.readTree(run.out());
    assertThat(root.get("historyItems").asInt()).isEqualTo(user.size());
    JsonNode recs = root.get("recommendations");
    assertThat(recs).hasSize(5);

    // Oracle: cosine of the history vector with every item vector, history left out, in doubles.
    List<String> expectedIds = new ArrayList<>();
    List<Double> expectedScores = new ArrayList<>();
    try (RecformerEncoder encoder = RecformerEncoder.open(CliRunner.TINY_BUNDLE)) {
      float[] u = encoder.encodeHistory(dataset.items().resolve(user.itemIds()));
      List<Item> items = dataset.items().items();
      float[][] vectors = encoder.embedItems(items);
      Set<String> history = Set.copyOf(user.itemIds());
      List<double[]> scored = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        if (!history.contains(items.get(i).id())) {
          scored.add(new double[] {cosine(u, vectors[i]), i});
        }
      }
      scored.sort(Comparator.comparingDouble((double[] s) -> -s[0]));
      for (double[] s : scored.subList(0, 5)) {
        expectedIds.add(items.get((int) s[1]).id());
        expectedScores.add(s[0]);
      }
    }
    for (int r = 0; r < 5; r++) {
      assertThat(recs.get(r).get("rank").asInt()).isEqualTo(r + 1);
      assertThat(recs.get(r).get("score").asDouble())
          .isCloseTo(expectedScores.get(r), within(1e-4));
      assertThat(user.itemIds()).doesNotContain(recs.get(r).get("id").asText());
    }
    // Ids agree except where two scores tie within float noise.
    assertThat(recs.get(0).get("id").asText()).isEqualTo(expectedIds.get(0));
  }

  @Test
  void recommendForItemIdsPrintsATableWithTitles() {
    Item a = dataset.items().get(0);
    Item b = dataset.items().get(1);
    Run run =
        run(
            "recommend",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--items",
            a.id() + "," + b.id(),
            "--threads",
            "1");
    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(0))
        .isEqualTo(
            "Top 10 for items " + a.id() + "," + b.id() + " (2 history items, history excluded)");
    assertThat(lines.get(1)).contains("#", "item", "score", "title");
    assertThat(lines.subList(2, 12))
        .allSatisfy(line -> assertThat(line).matches("\\s+\\d+  \\S+\\s+-?[01]\\.\\d{3}  .*"));
    assertThat(run.out()).doesNotContain(" " + a.id() + " ", " " + b.id() + " ");

    Run included =
        run(
            "recommend",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--items",
            a.id(),
            "--include-history",
            "-k",
            String.valueOf(dataset.itemCount()),
            "--threads",
            "1");
    assertThat(included.exitCode()).as(included.err()).isZero();
    assertThat(included.out()).contains(" " + a.id() + " ");

    // A penalty larger than any cosine gap keeps the history item but ranks it last.
    Run penalised =
        run(
            "recommend",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--items",
            a.id(),
            "--history-penalty",
            "5",
            "-k",
            String.valueOf(dataset.itemCount()),
            "--threads",
            "1");
    assertThat(penalised.exitCode()).as(penalised.err()).isZero();
    List<String> rows = penalised.out().lines().toList();
    assertThat(rows.get(0)).endsWith("(1 history items, history included, penalty 5.0)");
    assertThat(rows.get(rows.size() - 1)).contains(" " + a.id() + " ");
  }

  @Test
  void recommendForColdStartItemsFromStandardInput() throws Exception {
    String known = dataset.items().get(2).id();
    String json =
        "[{\"id\": \""
            + known
            + "\"}, {\"attributes\": {\"title\": \"Borosilicate glass beaker set\", \"brand\":"
            + " \"Pyrex\"}}]";
    Run run =
        runWithInput(
            json,
            "recommend",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--index",
            index.toString(),
            "--json",
            "-",
            "-k",
            "3",
            "--format",
            "json",
            "--threads",
            "1");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode root = JSON.readTree(run.out());
    assertThat(root.get("query").asText()).isEqualTo("items from standard input");
    assertThat(root.get("recommendations")).hasSize(3);
    for (JsonNode rec : root.get("recommendations")) {
      assertThat(rec.get("id").asText()).isNotEqualTo(known);
    }
    // The same history given as a file gives the same list.
    Path file = temp.resolve("history.json");
    Files.writeString(file, json);
    Run fromFile =
        run(
            "recommend",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--index",
            index.toString(),
            "--json",
            file.toString(),
            "-k",
            "3",
            "--format",
            "json",
            "--threads",
            "1");
    assertThat(JSON.readTree(fromFile.out()).get("recommendations"))
        .isEqualTo(root.get("recommendations"));
  }

  @Test
  void recommendBadInputExitsWithTwoAndNamesTheProblem() throws Exception {
    String bundle = CliRunner.TINY_BUNDLE.toString();
    String d = data.toString();
    assertBadInput(
        run("recommend", "--bundle", bundle, "--data", d, "--user", "nobody"),
        "unknown user id 'nobody'");
    assertBadInput(
        run("recommend", "--bundle", bundle, "--data", d, "--items", "B000NOTHERE"),
        "unknown item id 'B000NOTHERE'");
    assertBadInput(
        run("recommend", "--bundle", bundle, "--data", d, "--items", ","),
        "cannot recommend from an empty history");
    assertBadInput(
        runWithInput(
            "[{\"id\": \"x1\", \"attributes\": {\"title\": \"  \"}}]",
            "recommend",
            "--bundle",
            bundle,
            "--data",
            d,
            "--json",
            "-"),
        "item 'x1' has an empty title");
    assertBadInput(
        runWithInput("[]", "recommend", "--bundle", bundle, "--data", d, "--json", "-"),
        "standard input: the list of items is empty");
    assertBadInput(
        runWithInput(
            "{\"title\": \"x\"}", "recommend", "--bundle", bundle, "--data", d, "--json", "-"),
        "standard input: expected a JSON list of items, got object");
    assertBadInput(
        runWithInput("[{\"id\": ", "recommend", "--bundle", bundle, "--data", d, "--json", "-"),
        "standard input is not valid JSON");
    // A missing bundle is an I/O failure rather than malformed input: exit 1, naming the path.
    Run noBundle =
        run(
            "recommend",
            "--bundle",
            temp.resolve("no-bundle").toString(),
            "--data",
            d,
            "--user",
            dataset.users().get(0).userId());
    assertThat(noBundle.exitCode()).as(noBundle.err()).isEqualTo(RecformerCli.EXIT_INTERNAL);
    assertThat(noBundle.err()).contains(temp.resolve("no-bundle") + ": no such file or directory");
    assertBadInput(
        run("recommend", "--bundle", bundle, "--data", d, "--user", "u", "--items", "a"),
        "mutually exclusive");
    assertBadInput(
        run(
            "recommend",
            "--bundle",
            bundle,
            "--data",
            d,
            "--user",
            dataset.users().get(0).userId(),
            "-k",
            "0"),
        "-k = 0 must be >= 1");

    // An index of another catalog is refused, naming the mismatch.
    Path other = temp.resolve("other");
    QuickstartCommand.slice(dataset, 10).write(other);
    assertBadInput(
        run(
            "recommend",
            "--bundle",
            bundle,
            "--data",
            other.toString(),
            "--index",
            index.toString(),
            "--user",
            dataset.users().get(0).userId()),
        "holds " + dataset.itemCount() + " items, the catalog");
  }

  @Test
  void indexBadInputExitsWithTwo() {
    assertBadInput(
        run(
            "index",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            temp.resolve("missing").toString(),
            "--out",
            temp.resolve("x.rfidx").toString()),
        "does not exist");
    assertBadInput(
        run("index", "--data", data.toString(), "--out", temp.resolve("x.rfidx").toString()),
        "Missing required option: '--bundle");
    assertThat(temp.resolve("x.rfidx")).doesNotExist();
  }

  @Test
  void benchInferenceWritesItsTableAndFiles() throws Exception {
    Path out = temp.resolve("bench");
    Run run =
        run(
            "bench",
            "inference",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--out",
            out.toString(),
            "--items",
            "40",
            "--histories",
            "8",
            "--threads",
            "1",
            "--no-spinning",
            "--graph-optimization",
            "EXTENDED");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains(
            "| items/s |", "| tiny | float32 | EXTENDED, no spinning, SEQUENTIAL | 48 | 1 | 40 |");
    JsonNode json = JSON.readTree(out.resolve("results.json").toFile());
    assertThat(json.get("items").asInt()).isEqualTo(40);
    assertThat(json.get("intraOpSpinning").asBoolean()).isFalse();
    assertThat(json.get("graphOptimization").asText()).isEqualTo("EXTENDED");
    assertThat(json.get("histories").asInt()).isEqualTo(8);
    assertThat(json.get("itemsPerSecond").asDouble()).isPositive();
    assertThat(json.get("historyP99Millis").asDouble())
        .isGreaterThanOrEqualTo(json.get("historyP50Millis").asDouble());
    assertThat(Files.readString(out.resolve("results.md")))
        .contains("# Inference speed", "history p50");
    assertThat(Files.readAllLines(out.resolve("results.csv"))).hasSize(2);

    assertBadInput(
        run(
            "bench",
            "inference",
            "--bundle",
            CliRunner.TINY_BUNDLE.toString(),
            "--data",
            data.toString(),
            "--out",
            out.toString(),
            "--items",
            "0"),
        "--items = 0 and --histories = 50 must be >= 1");
  }

  @Test
  void benchQualityRunsThePopularityBaseline() throws Exception {
    Path out = temp.resolve("quality");
    Run run =
        run(
            "bench",
            "quality",
            "--data",
            CliRunner.DATA.resolve("amazon-office-2014").toString(),
            "--out",
            out.toString(),
            "--models",
            "popularity",
            "--max-users",
            "300",
            "--published",
            "none");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).containsIgnoringCase("popularity");
    assertThat(out.resolve("results.csv")).exists();
    assertThat(out.resolve("results.md")).exists();

    assertBadInput(
        run(
            "bench",
            "quality",
            "--data",
            CliRunner.DATA.toString(),
            "--out",
            out.toString(),
            "--models",
            "bogus"),
        "unknown model 'bogus'");
  }

  @Test
  void benchEfficiencyIsTheEfficiencyBenchmark() throws Exception {
    Run help = run("bench", "efficiency", "--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("--keep-measured", "--cell-timeout", "--memory-cap-mb");

    // Reporting kept cells from a directory that never held a grid is refused before any cell runs.
    Path out = temp.resolve("efficiency");
    assertBadInput(
        run(
            "bench",
            "efficiency",
            "--data",
            CliRunner.DATA.resolve("amazon-office-2014").toString(),
            "--out",
            out.toString(),
            "--keep-measured",
            "--only-kept"),
        "does not exist");
  }

  private static void assertBadInput(Run run, String message) {
    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(RecformerCli.EXIT_BAD_INPUT);
    assertThat(run.err()).contains(message);
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
