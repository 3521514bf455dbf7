package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.recformer.core.item.Item;
import io.recformer.core.item.ItemAttribute;
import io.recformer.core.item.UserHistory;
import io.recformer.data.TestData;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.source.DataFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sequential split files without a train file ({@code X.valid.inter} and {@code X.test.inter}, or
 * {@code X.test.inter} alone) with an item file of another prefix, on small made-up files.
 */
class SequentialSplitTest {

  @TempDir Path dir;

  private static final String HEADER = "user_id:token\titem_id_list:token_seq\titem_id:token\n";

  private void items() throws IOException {
    Files.writeString(
        dir.resolve("Shop.item"),
        """
        item_id:token\ttitle:token_seq\tcategories:token_seq\tprice:float
        0\tGlue\tTools\t1.0
        1\tTape\tTools Office\t2.0
        2\tScissors\t\t3.0
        3\tRuler\tOffice\t4.0
        4\tStapler\tOffice\t5.0
        5\t\t\t6.0
        """);
  }

  private void split(String valid, String test) throws IOException {
    if (valid != null) {
      Files.writeString(dir.resolve("Shop-5k.valid.inter"), HEADER + valid);
    }
    Files.writeString(dir.resolve("Shop-5k.test.inter"), HEADER + test);
  }

  @Test
  void validAndTestRebuildTheSequence() throws IOException {
    items();
    split("u1\t0 1\t2\nu2\t4\t1\n", "u1\t0 1 2\t3\nu2\t4 1\t0\n");
    ImportResult result = Datasets.importAuto(dir);
    Dataset dataset = result.dataset();
    assertThat(result.report().format()).isEqualTo("sequential-split-atomic");
    assertThat(dataset.name()).isEqualTo("Shop-5k");
    assertThat(dataset.users())
        .extracting(UserHistory::userId, UserHistory::itemIds)
        .containsExactly(
            tuple("u1", List.of("0", "1", "2", "3")), tuple("u2", List.of("4", "1", "0")));
    assertThat(dataset.hasTimestamps()).isFalse();
    // Item 5 has no text; price is not text; categories is the paper's category.
    assertThat(dataset.items().items())
        .extracting(Item::id)
        .containsExactly("0", "1", "2", "3", "4");
    assertThat(result.report().count("dropped.item-without-text")).isEqualTo(1);
    assertThat(dataset.items().get("1").attributes())
        .containsExactly(
            new ItemAttribute("title", "Tape"), new ItemAttribute("category", "Tools Office"));
  }

  @Test
  void testFileAloneAndOtherFieldNames() throws IOException {
    Files.writeString(
        dir.resolve("Games.item"), "iid:token\tname:token_seq\n1.0\tChess\n2.50\tGo\n007\tShogi\n");
    RecBoleFields fields =
        new RecBoleFields("uid", "iid", "timestamp", "rating", null, Map.of("name", "title"));
    Files.writeString(
        dir.resolve("Games.test.inter"),
        "uid:token\tiid_list:token_seq\tiid:token\n10\t1.0 2.50\t007\n9\t007\t2.50\n");
    Dataset dataset =
        Datasets.importAuto(dir, ImportOptions.defaults().withRecBoleFields(fields)).dataset();
    assertThat(dataset.users().get(0).itemIds()).containsExactly("1.0", "2.50", "007");
    assertThat(dataset.users().get(1).itemIds()).containsExactly("007", "2.50");
    assertThat(dataset.items().get("1.0").title()).isEqualTo("Chess");
    assertThat(dataset.interactionCount()).isEqualTo(5);
  }

  @Test
  void historiesCutToTheSameWindowKeepTheEarlierItem() throws IOException {
    items();
    // Both histories hold 3 items: the validation window starts one item earlier (item 4).
    split("u1\t4 0 1\t2\n", "u1\t0 1 2\t3\n");
    Dataset dataset = Datasets.importAuto(dir).dataset();
    assertThat(dataset.users().get(0).itemIds()).containsExactly("4", "0", "1", "2", "3");
  }

  @Test
  void itemsWithoutTextLeaveTheSequenceAndAreCounted() throws IOException {
    items();
    split(null, "u1\t0 5\t1\nu2\t5\t5\n");
    ImportResult result = Datasets.importAuto(dir);
    assertThat(result.dataset().users()).hasSize(1);
    assertThat(result.dataset().users().get(0).itemIds()).containsExactly("0", "1");
    assertThat(result.report().count("dropped.interaction-item-without-text")).isEqualTo(3);
    assertThat(result.report().count("dropped.user-without-known-items")).isEqualTo(1);
  }

  @Test
  void validRowThatDoesNotContinueTheTestHistoryIsNamed() throws IOException {
    items();
    split("u1\t0 1\t2\nu2\t4\t3\n", "u1\t0 1 2\t3\nu2\t4 1\t0\n");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "Shop-5k.valid.inter, line 3, field 'item_id': user 'u2': validation target '3' is not"
                + " the last item of the test history (Shop-5k.test.inter, line 3), '1'");
    split("u1\t0 3\t2\nu2\t4\t1\n", "u1\t0 1 2\t3\nu2\t4 1\t0\n");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .hasMessageContaining(
            "Shop-5k.valid.inter, line 2, field 'item_id_list': user 'u1': validation history is"
                + " not the test history without its last item (Shop-5k.test.inter, line 2): item"
                + " 2 is '3', expected '1'");
    split("u1\t1\t2\nu2\t4\t1\n", "u1\t0 1 2\t3\nu2\t4 1\t0\n");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .hasMessageContaining("line 2, field 'item_id_list': user 'u1'")
        .hasMessageContaining("it has 1 items, expected 2; item 1 is '1', expected '0'");
    // Lenient mode skips the inconsistent user and keeps the other.
    ImportResult lenient = Datasets.importAuto(dir, ImportOptions.lenient());
    assertThat(lenient.report().count("skipped.inconsistent")).isEqualTo(1);
    assertThat(lenient.dataset().users()).extracting(UserHistory::userId).containsExactly("u2");
  }

  @Test
  void everyUserNeedsOneRowInEachFile() throws IOException {
    items();
    split("u1\t0 1\t2\n", "u1\t0 1 2\t3\nu2\t4 1\t0\n");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .hasMessageContaining(
            "Shop-5k.test.inter, line 3, field 'user_id': user 'u2' has a row here but none in"
                + " Shop-5k.valid.inter");
    split("u1\t0 1\t2\nu3\t4\t1\n", "u1\t0 1 2\t3\n");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .hasMessageContaining(
            "Shop-5k.valid.inter, line 3, field 'user_id': user 'u3' has a row here but none in"
                + " Shop-5k.test.inter");
    split(null, "u1\t0 1 2\t3\nu1\t4\t1\n");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .hasMessageContaining(
            "Shop-5k.test.inter, line 3, field 'user_id': user 'u1' already has a row on line 2;"
                + " expected one row per user");
  }

  @Test
  void unknownItemAndWrongHeaderNameLineAndField() throws IOException {
    items();
    split(null, "u1\t0 77\t3\n");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining(
            "Shop-5k.test.inter, line 2, field 'item_id_list': item '77' is not in Shop.item");
    Files.writeString(dir.resolve("Shop-5k.test.inter"), "user_id:token\titem_id:token\nu1\t3\n");
    assertThatThrownBy(() -> Datasets.importAuto(dir))
        .hasMessageContaining(
            "Shop-5k.test.inter, line 1, field 'item_id_list': header"
                + " 'user_id:token\titem_id:token' has no column 'item_id_list'");
  }

  @Test
  void detectionNeedsOneItemFileAndNoTrainFile() throws IOException {
    items();
    split(null, "u1\t0\t1\n");
    Files.writeString(dir.resolve("Other.item"), "item_id:token\ttitle:token_seq\n0\tGlue\n");
    assertThatThrownBy(() -> Datasets.detect(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "holds Shop-5k.test.inter and several .item files [Other.item, Shop.item], none named"
                + " Shop-5k.item");
    Files.delete(dir.resolve("Other.item"));
    Files.writeString(dir.resolve("Shop-5k.train.inter"), HEADER);
    assertThat(new SequentialSplitImporter().accepts(dir)).isFalse();
    assertThat(new SequentialSplitImporter().accepts(TestData.unisrec())).isFalse();
    assertThat(Datasets.detect(TestData.unisrec()).orElseThrow().format())
        .isEqualTo("unisrec-atomic");
  }

  @Test
  void ratingAndTimeOptionsAreRefused() throws IOException {
    items();
    split(null, "u1\t0\t1\n");
    ImportOptions options =
        ImportOptions.defaults().withRecBoleFields(RecBoleFields.defaults().withMinRating(4.0));
    assertThatThrownBy(() -> Datasets.importAuto(dir, options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "Shop-5k.test.inter is a sequential split file: it has no rating or time column");
  }
}
