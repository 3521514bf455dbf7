package io.recformer.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.recformer.core.item.Item;
import org.junit.jupiter.api.Test;

class ItemTextTest {

  @Test
  void flattensKeyValuePairsInOrder() {
    Item item =
        Item.of(
            "B00X",
            "title",
            "Gorilla Wood Glue 8oz",
            "brand",
            "Gorilla",
            "category",
            "Industrial & Scientific Adhesives");
    assertThat(ItemText.flatten(item, 3))
        .isEqualTo(
            "title: Gorilla Wood Glue 8oz brand: Gorilla category: Industrial & Scientific"
                + " Adhesives");
    assertThat(ItemText.flatten(item, 2)).isEqualTo("title: Gorilla Wood Glue 8oz brand: Gorilla");
    assertThat(ItemText.flatten(item, 10)).isEqualTo(ItemText.flatten(item, 3));
  }

  @Test
  void normalizesWhitespaceSkipsBlankValuesKeepsCase() {
    Item item =
        Item.of("B00Y", "TITLE", "  IKEA\tLamp\n\nwhite ", "brand", "   ", "category", "Home");
    // Case is kept and no locale is involved: "TITLE" and "IKEA" stay as they are.
    assertThat(ItemText.flatten(item, 3)).isEqualTo("TITLE: IKEA Lamp white category: Home");
  }

  @Test
  void rejectsNonPositiveMaxAttributes() {
    assertThatThrownBy(() -> ItemText.flatten(Item.of("A", "title", "x"), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttributes = 0 is out of range: must be >= 1");
  }
}
