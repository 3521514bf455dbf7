package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.data.dataset.Dataset;
import io.recformer.data.source.DataFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Made-up edge cases of the original Recformer form, RecBole files and the UniSRec text split. */
class ProcessedFormsTest {

  @TempDir Path dir;

  private void original(String train, String val, String test, String meta) throws IOException {
    Files.writeString(dir.resolve("smap.json"), "{\"B1\": 0, \"B2\": 1, \"B3\": 2}");
    Files.writeString(dir.resolve("umap.json"), "{\"R1\": 0, \"R2\": 1}");
    Files.writeString(dir.resolve("meta_data.json"), meta);
    Files.writeString(dir.resolve("train.json"), train);
    Files.writeString(dir.resolve("val.json"), val);
    Files.writeString(dir.resolve("test.json"), test);
  }

  private static final String META =
      "{\"B1\": {\"title\": \"One\", \"brand\": \"\", \"category\": \"C\"},"
          + " \"B2\": {\"title\": \"Two &amp; more\", \"brand\": \"Br\", \"category\": \"\"},"
          + " \"B3\": {\"title\": \"Three\", \"brand\": \"Br\", \"category\": \"C D\"},"
          + " \"B9\": {\"title\": \"Never reviewed\", \"brand\": \"\", \"category\": \"\"}}";

  @Test
  void originalFormJoinsTrainValTestAndKeepsShortUsers() throws IOException {
    // Like process.py: R1 has 4 items (2 train + val + test); R2 has 2 items, so train only.
    original("{\"0\": [0, 1], \"1\": [2, 0]}", "{\"0\": [2]}", "{\"0\": [0]}", META);
    ImportResult result = Datasets.importAuto(dir);
    Dataset dataset = result.dataset();
    assertThat(dataset.users().get(0).itemIds()).containsExactly("B1", "B2", "B3", "B1");
    assertThat(dataset.users().get(1).itemIds()).containsExactly("B3", "B1");
    assertThat(dataset.users().get(1).userId()).isEqualTo("R2");
    assertThat(dataset.items().items()).extracting(i -> i.id()).containsExactly("B1", "B2", "B3");
    assertThat(dataset.items().get("B2").title()).isEqualTo("Two & more");
    assertThat(dataset.items().get("B1").attributes())
        .extracting(a -> a.key())
        .containsExactly("title", "category");
    assertThat(result.report().count("dropped.item-without-interactions")).isEqualTo(1);
  }

  @Test
  void originalFormErrors() throws IOException {
    original("{\"0\": [0, 5]}", "{\"0\": [2]}", "{\"0\": [0]}", META);
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "train.json, line 1, field 'items of user 0': item index 5 is not in smap.json (3"
                + " items)");
    original("{\"0\": [0, 1]}", "{\"0\": [2]}", "{\"7\": [0]}", META);
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .hasMessageContaining(
            "test.json, line 1, field 'user': user index 7 is not in umap.json (2 users)");
    original("{\"0\": [0, 1]}", "{\"0\": [2, 1]}", "{\"0\": [0]}", META);
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .hasMessageContaining(
            "val.json, line 1, field 'items of user 0': expected exactly one target item, got 2");
    original(
        "{\"0\": [0, 1]}",
        "{\"0\": [2]}",
        "{\"0\": [0]}",
        "{\"B1\": {\"title\": \"One\"}, \"B2\": {\"title\": \"Two\"}}");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .hasMessageContaining(
            "meta_data.json: item 'B3' (index 2 in smap.json) has no entry in meta_data.json");
  }

  @Test
  void recBoleWithoutTimestampsKeepsFileOrder() throws IOException {
    Files.writeString(
        dir.resolve("X.item"),
        "item_id:token\ttitle:token_seq\tcategory:token_seq\nA\tGlue\tTools\nB\tTape\t\n");
    Files.writeString(dir.resolve("X.inter"), "user_id:token\titem_id:token\nU\tB\nU\tA\nV\tA\n");
    Dataset dataset = Datasets.importAuto(dir).dataset();
    assertThat(dataset.users().get(0).itemIds()).containsExactly("B", "A");
    assertThat(dataset.hasTimestamps()).isFalse();
    assertThat(dataset.items().get("A").attribute("category")).contains("Tools");
    Files.writeString(dir.resolve("X.inter"), "user_id:token\titem_id:token\nU\tB\nU\tQ\n");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .hasMessageContaining("X.inter, line 3, field 'item_id': item 'Q' is not in X.item");
    Files.writeString(dir.resolve("X.inter"), "user_id:token\titem_id:token\nU\tB\textra\n");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .hasMessageContaining(
            "X.inter, line 2: expected 2 tab-separated fields ([user_id, item_id]), got 3");
  }

  @Test
  void uniSRecTextSplitsFromTheRight() {
    assertThat(UniSRecImporter.splitText("A. B. C. ")).containsExactly("A", "B", "C");
    assertThat(UniSRecImporter.splitText("24 Oz. Sprayer. Cat. Brand. "))
        .containsExactly("24 Oz. Sprayer", "Cat", "Brand");
    assertThat(UniSRecImporter.splitText("Title. . Brand. ")).containsExactly("Title", "", "Brand");
    assertThat(UniSRecImporter.splitText("Title. Cat. . ")).containsExactly("Title", "Cat", "");
    assertThat(UniSRecImporter.splitText("10 Oz.. Cat. Co., Inc.. "))
        .containsExactly("10 Oz.", "Cat", "Co., Inc.");
    assertThat(UniSRecImporter.splitText("Only a title")).containsExactly("Only a title", "", "");
  }

  @Test
  void unknownDirectoryIsRefusedClearly() throws IOException {
    Files.writeString(dir.resolve("notes.txt"), "hello");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no supported dataset format found in")
        .hasMessageContaining("unisrec-atomic");
  }
}
