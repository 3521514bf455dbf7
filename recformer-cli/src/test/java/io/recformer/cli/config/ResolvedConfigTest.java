package io.recformer.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.recformer.core.config.Pooling;
import io.recformer.core.config.RecformerConfig;
import io.recformer.core.metrics.TiePolicy;
import io.recformer.train.finetune.FineTuneOptions;
import io.recformer.train.model.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layering, conversion, binding and error messages of the configuration machinery. */
class ResolvedConfigTest {

  @TempDir Path temp;

  private static ConfigSchema schema() {
    return ConfigSchema.builder("finetune")
        .record(FineTuneOptions.defaults(), "default")
        .defaultValue("maxTokens", 512, "init minilm")
        .defaultValue("pooling", Pooling.CLS, "init minilm")
        .record(RecformerConfig.miniLmL6(), "init minilm", List.of("maxItems", "temperature"))
        .tolerate(List.of("users"))
        .build();
  }

  private Path write(String name, String text) throws IOException {
    Path file = temp.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  @Test
  void laterLayersWinAndEveryValueKeepsItsOrigin() throws Exception {
    Path file =
        write(
            "ft.yaml",
            """
            # a comment
            epochs: 8
            batchSize: 16
            learningRate: 5e-5
            pooling: mean
            tiePolicy: PESSIMISTIC
            stage1Minutes: 45
            precision: fp16_mixed
            scheduleEpochs: 6
            """);
    ResolvedConfig c =
        ResolvedConfig.resolve(
            schema(),
            List.of(
                ConfigLayer.file(file),
                ConfigLayer.assignments("--set", List.of("batchSize=8", "epochs=4")),
                ConfigLayer.option("--epochs", "epochs", 3)));
    assertThat(c.get("epochs")).isEqualTo(3);
    assertThat(c.origin("epochs")).isEqualTo("--epochs 3");
    assertThat(c.get("batchSize")).isEqualTo(8);
    assertThat(c.origin("batchSize")).isEqualTo("--set");
    // YAML 1.1 reads 5e-5 (no dot) as text; it is still a number here.
    assertThat((Double) c.get("learningRate")).isCloseTo(5e-5, within(1e-18));
    assertThat(c.origin("learningRate")).isEqualTo(file.toString());
    assertThat(c.get("pooling")).isEqualTo(Pooling.MEAN);
    assertThat(c.get("stage1Minutes")).isEqualTo(45.0);
    assertThat(c.get("maxTokens")).isEqualTo(512);
    assertThat(c.origin("maxTokens")).isEqualTo("init minilm");
    assertThat(c.get("warmupSteps")).isEqualTo(100);
    assertThat(c.origin("warmupSteps")).isEqualTo("default");

    FineTuneOptions o = c.bind(FineTuneOptions.defaults());
    assertThat(o.epochs()).isEqualTo(3);
    assertThat(o.batchSize()).isEqualTo(8);
    assertThat(o.pooling()).isEqualTo(Pooling.MEAN);
    assertThat(o.tiePolicy()).isEqualTo(TiePolicy.PESSIMISTIC);
    assertThat(o.maxTokens()).isEqualTo(512);
    assertThat(o.precision()).isEqualTo(Precision.FP16_MIXED);
    assertThat(o.scheduleEpochs()).isEqualTo(6);
    RecformerConfig model = c.bind(RecformerConfig.miniLmL6());
    assertThat(model.pooling()).isEqualTo(Pooling.MEAN);
    assertThat(model.hiddenSize()).isEqualTo(384); // not a key: kept from the base
  }

  @Test
  void theSavedYamlReadsBackToTheSameValues() throws Exception {
    ResolvedConfig c =
        ResolvedConfig.resolve(
            schema(),
            List.of(
                ConfigLayer.assignments(
                    "--set",
                    List.of(
                        "learningRate=3e-5",
                        "device=gpu:1",
                        "validationMetric=Recall@50",
                        "clipNorm=0.5"))));
    Path saved = write("resolved-config.yaml", c.toYaml(List.of("header line")));
    assertThat(Files.readString(saved))
        .startsWith("# header line\n")
        .contains("learningRate: 3.0E-5", "# --set", "device: \"gpu:1\"", "# default");
    ResolvedConfig again = ResolvedConfig.resolve(schema(), List.of(ConfigLayer.file(saved)));
    for (String key : schema().names()) {
      assertThat(again.get(key)).as(key).isEqualTo(c.get(key));
    }
    assertThat(again.toJson().get("validationMetric").asText()).isEqualTo("Recall@50");
  }

  @Test
  void jsonFilesWorkToo() throws Exception {
    Path file = write("ft.json", "{\"epochs\": 2, \"pooling\": \"MEAN\", \"users\": 5}");
    ResolvedConfig c = ResolvedConfig.resolve(schema(), List.of(ConfigLayer.file(file)));
    assertThat(c.get("epochs")).isEqualTo(2);
    assertThat(c.ignored()).containsExactly("users (" + file + ")");
  }

  @Test
  void anUnknownKeyNamesTheFileTheKeyASuggestionAndTheAllowedKeys() throws Exception {
    Path file = write("typo.yaml", "epochs: 2\nbatchsize: 16\n");
    assertThatThrownBy(() -> ResolvedConfig.resolve(schema(), List.of(ConfigLayer.file(file))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            file
                + ": unknown key 'batchsize' for recformer finetune;"
                + " did you mean 'batchSize'?")
        .hasMessageContaining("Allowed keys: epochs, batchSize, gradientAccumulation");
    assertThatThrownBy(
            () ->
                ResolvedConfig.resolve(
                    schema(), List.of(ConfigLayer.assignments("--set", List.of("nonsense=1")))))
        .hasMessageStartingWith("--set: unknown key 'nonsense'")
        .hasMessageNotContaining("did you");
  }

  @Test
  void aBadValueNamesTheKeyAndTheAllowedValues() throws Exception {
    Path file = write("bad.yaml", "pooling: MAX\n");
    assertThatThrownBy(() -> ResolvedConfig.resolve(schema(), List.of(ConfigLayer.file(file))))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ": key 'pooling' = 'MAX' is not allowed; expected one of CLS, MEAN");
    assertThatThrownBy(
            () ->
                ResolvedConfig.resolve(
                    schema(), List.of(ConfigLayer.assignments("--set", List.of("epochs=ten")))))
        .hasMessage("--set: key 'epochs' = 'ten' is not allowed; expected an integer");
    assertThatThrownBy(
            () ->
                ResolvedConfig.resolve(
                    schema(), List.of(ConfigLayer.file(write("f.yaml", "epochs: 2.5\n")))))
        .hasMessageContaining("key 'epochs' = '2.5' is not allowed; expected an integer");
    assertThatThrownBy(
            () ->
                ResolvedConfig.resolve(
                    schema(), List.of(ConfigLayer.file(write("l.yaml", "epochs: [1, 2]\n")))))
        .hasMessageContaining(
            "key 'epochs' = '[1,2]' is not allowed; expected an integer, not a list");
    assertThatThrownBy(() -> ConfigLayer.assignments("--set", List.of("epochs")))
        .hasMessage("--set 'epochs': expected key=value, e.g. --set batchSize=16");
  }

  @Test
  void rangeErrorsOfTheRecordNameTheOriginOfTheKey() throws Exception {
    Path file = write("range.yaml", "batchSize: 0\n");
    ResolvedConfig c = ResolvedConfig.resolve(schema(), List.of(ConfigLayer.file(file)));
    assertThatThrownBy(() -> c.bind(FineTuneOptions.defaults()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "invalid configuration for recformer finetune: batchSize = 0 must be >= 1"
                + " (batchSize from "
                + file
                + ")");
  }

  @Test
  void unreadableFilesNameTheFileAndLine() throws Exception {
    Path broken = write("broken.yaml", "epochs: 2\nbatchSize: [16\n");
    assertThatThrownBy(() -> ConfigLayer.file(broken))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("config file " + broken + " line ");
    Path duplicate = write("dup.yaml", "epochs: 2\nepochs: 3\n");
    assertThatThrownBy(() -> ConfigLayer.file(duplicate))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Duplicate field 'epochs'");
    Path list = write("list.yaml", "- epochs\n");
    assertThatThrownBy(() -> ConfigLayer.file(list))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("the top level must be a mapping");
    assertThatThrownBy(() -> ConfigLayer.file(write("ft.toml", "epochs = 2")))
        .hasMessageContaining("unknown format; use a .yaml, .yml or .json file");
    assertThatThrownBy(() -> ConfigLayer.file(temp.resolve("missing.yaml")))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("missing.yaml");
    assertThat(ConfigLayer.file(write("empty.yaml", "")).values()).isEmpty();
  }

  @Test
  void suggestionsUseEditDistance() {
    assertThat(ResolvedConfig.distance("batchsize", "batchsize")).isZero();
    assertThat(ResolvedConfig.distance("kitten", "sitting")).isEqualTo(3);
  }
}
