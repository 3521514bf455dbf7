package io.recformer.infer.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.recformer.core.item.Item;
import io.recformer.infer.index.HnswItemIndex;
import io.recformer.infer.index.HnswParameters;
import io.recformer.infer.index.ItemIndex.OnExisting;
import io.recformer.infer.index.OpenOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A catalog directory holding an HNSW index: kind recorded, reopened, added to, checkpointed. */
class HnswCatalogTest {

  @Test
  void anHnswCatalogKeepsItsKindThroughAdditionsAndCheckpoints(@TempDir Path dir)
      throws IOException {
    List<Item> base = Fixtures.items("b", 300);
    HnswItemIndex index = HnswItemIndex.build(Fixtures.index(base), HnswParameters.DEFAULTS);
    List<Item> added = Fixtures.items("a", 5);
    try (Catalog catalog = Catalog.create(dir, Fixtures.store(base), index)) {
      assertThat(catalog.index()).isInstanceOf(HnswItemIndex.class);
      catalog.add(added, Fixtures.vectors(added), Fixtures.texts(added), OnExisting.FAIL);
    }
    String manifest = Files.readString(dir.resolve("catalog.json"), StandardCharsets.UTF_8);
    assertThat(manifest).contains("\"indexKind\" : \"hnsw\"").contains("index-1.rfhnsw");
    try (Catalog reopened = Catalog.open(dir, OpenOptions.DEFAULTS)) {
      assertThat(reopened.index()).isInstanceOf(HnswItemIndex.class);
      assertThat(reopened.size()).isEqualTo(305);
      float[] probe = Fixtures.vector("a3");
      assertThat(reopened.view().index().topK(probe, 1).get(0).itemId()).isEqualTo("a3");
      reopened.checkpoint();
      reopened.verify();
      assertThat(reopened.index()).isInstanceOf(HnswItemIndex.class);
    }
    assertThat(dir.resolve("index-2.rfhnsw")).exists();
    assertThat(dir.resolve("index-1.rfhnsw")).doesNotExist();
    try (Catalog again = Catalog.open(dir, OpenOptions.DEFAULTS)) {
      assertThat(again.size()).isEqualTo(305);
      assertThat(again.item("a3")).isPresent();
      assertThat(again.index().topK(Fixtures.vector("b7"), 1).get(0).itemId()).isEqualTo("b7");
    }
  }
}
