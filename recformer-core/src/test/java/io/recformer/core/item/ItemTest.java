package io.recformer.core.item;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ItemTest {

  @Test
  void keepsAttributeOrderAndLooksUpByKey() {
    Item item =
        Item.of("B00X", "title", "Gorilla Wood Glue", "brand", "Gorilla", "category", "Adhesives");
    assertThat(item.attributes())
        .extracting(ItemAttribute::key)
        .containsExactly("title", "brand", "category");
    assertThat(item.title()).isEqualTo("Gorilla Wood Glue");
    assertThat(item.attribute("brand")).contains("Gorilla");
    assertThat(item.attribute("colour")).isEmpty();
    assertThat(item.hasText()).isTrue();
  }

  @Test
  void rejectsBadInputWithNamedFields() {
    assertThatThrownBy(() -> Item.of(" ", "title", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("item id");
    assertThatThrownBy(() -> Item.of("B1", "title", "a", "title", "b"))
        .hasMessageContaining("item 'B1' has attribute 'title' more than once");
    assertThatThrownBy(() -> Item.of("B1", "title"))
        .hasMessageContaining("item 'B1': expected key/value pairs, got 1 strings");
    assertThatThrownBy(() -> new ItemAttribute("", "v"))
        .hasMessageContaining("attribute key must not be blank");
  }

  @Test
  void itemWithOnlyBlankValuesHasNoText() {
    assertThat(Item.of("B1", "title", " ", "brand", "").hasText()).isFalse();
  }

  @Test
  void catalogIndexesItemsDenselyAndRejectsDuplicatesAndUnknownIds() {
    ItemCatalog catalog =
        ItemCatalog.of(List.of(Item.of("a", "title", "A"), Item.of("b", "title", "B")));
    assertThat(catalog.size()).isEqualTo(2);
    assertThat(catalog.requireIndex("b")).isEqualTo(1);
    assertThat(catalog.get("a").title()).isEqualTo("A");
    assertThat(catalog.indexOf("zz")).isEmpty();
    assertThatThrownBy(() -> catalog.requireIndex("zz"))
        .hasMessageContaining("unknown item id 'zz' (catalog has 2 items)");
    assertThatThrownBy(
            () -> ItemCatalog.of(List.of(Item.of("a", "title", "A"), Item.of("a", "title", "B"))))
        .hasMessageContaining("duplicate item id 'a' at positions 0 and 1");
  }

  @Test
  void historyChecksTimestampCountAndTakesPrefixes() {
    UserHistory history = new UserHistory("u1", List.of("a", "b", "c"), List.of(1L, 2L, 3L));
    assertThat(history.prefix(2).itemIds()).containsExactly("a", "b");
    assertThat(history.prefix(2).timestamps()).containsExactly(1L, 2L);
    assertThat(UserHistory.of("u2", List.of("a")).hasTimestamps()).isFalse();
    assertThatThrownBy(() -> new UserHistory("u1", List.of("a", "b"), List.of(1L)))
        .hasMessageContaining("user 'u1' has 2 items but 1 timestamps");
    assertThatThrownBy(() -> history.prefix(4))
        .hasMessageContaining("prefix length 4 outside [0, 3]");
  }

  @Test
  void layoutSelectsAndOrdersAttributes() {
    Item item = Item.of("B1", "category", "Tools", "title", "Hammer", "description", "heavy");
    Item laidOut = AttributeLayout.PAPER.apply(item);
    assertThat(laidOut.attributes())
        .containsExactly(
            new ItemAttribute("title", "Hammer"), new ItemAttribute("category", "Tools"));
  }

  @Test
  void layoutRejectsKeysThatNoItemHas() {
    ItemCatalog catalog = ItemCatalog.of(List.of(Item.of("a", "title", "A", "brand", "X")));
    AttributeLayout.of("title", "brand").validateAgainst(catalog);
    assertThatThrownBy(() -> AttributeLayout.of("title", "colour").validateAgainst(catalog))
        .hasMessageContaining("attribute layout names 'colour', which no item of the catalog has")
        .hasMessageContaining("[brand, title]");
    assertThatThrownBy(() -> AttributeLayout.of("title", "title"))
        .hasMessageContaining("names 'title' twice");
  }
}
