package io.recformer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.recformer.core.item.UserHistory;
import io.recformer.data.dataset.Dataset;
import io.recformer.data.importer.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page of {@code recformer serve} in a real headless Chromium (opt-in: {@code
 * -Drecformer.browser=true}; {@code apt-get install chromium}): search a user, pick them, see their
 * history and top 10, add an item and see its rank; then a screenshot.
 *
 * <p>By default a 40-user slice of the bundled Scientific data with the tiny test bundle; {@code
 * -Drecformer.browser.bundle=<bundle> -Drecformer.browser.users=0} serve the whole dataset with a
 * real model (how docs/images/serve-page.png was taken, docs/serve.md). {@code
 * -Drecformer.browser.screenshot=<png>} says where the screenshot goes (default: target/).
 */
@EnabledIfSystemProperty(named = "recformer.browser", matches = "true")
class ServePageBrowserTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;

  @Test
  void picksAUserShowsHistoryAndTopTenAndRanksANewItem() throws Exception {
    int users = Integer.getInteger("recformer.browser.users", 40);
    Path data;
    Dataset dataset;
    if (users > 0) {
      data = temp.resolve("data");
      dataset = CliRunner.writeScientificSlice(data, users);
    } else {
      data = CliRunner.DATA.resolve("amazon-scientific-unisrec");
      dataset = Datasets.importAuto(data).dataset();
    }
    String bundle =
        System.getProperty("recformer.browser.bundle", CliRunner.TINY_BUNDLE.toString());
    String catalog =
        System.getProperty("recformer.browser.catalog", temp.resolve("catalog").toString());
    // A user with a history long enough to show, but short enough to fit the screenshot.
    UserHistory user =
        dataset.users().stream()
            .filter(u -> u.size() >= 5 && u.size() <= 8)
            .findFirst()
            .orElse(dataset.users().get(0));
    Path screenshot =
        Path.of(
            System.getProperty(
                "recformer.browser.screenshot",
                Path.of("target", "serve-page.png").toAbsolutePath().toString()));

    try (ServeProcess serve =
            ServeProcess.start(
                temp, data.toString(), "--bundle", bundle, "--catalog", catalog, "--port", "0");
        DevTools page =
            DevTools.launch(
                System.getProperty("recformer.browser.executable", "chromium"),
                temp.resolve("profile"))) {
      page.call(
          "Emulation.setDeviceMetricsOverride",
          JSON.createObjectNode()
              .put("width", 1280)
              .put("height", 860)
              .put("deviceScaleFactor", 1)
              .put("mobile", false));
      page.call("Page.navigate", JSON.createObjectNode().put("url", serve.uri().toString()));
      page.waitFor("document.querySelectorAll('#user-results button').length > 0", 60);
      page.waitFor("document.querySelector('#health').textContent.includes('items')", 30);

      // Search by a prefix of the id, then pick the user from the results.
      String prefix = user.userId().substring(0, Math.min(4, user.userId().length()));
      page.evaluate(
          "(() => { const box = document.querySelector('#user-search'); box.value = "
              + JSON.writeValueAsString(prefix)
              + "; box.dispatchEvent(new Event('input')); })()");
      String button =
          "document.querySelector('#user-results button[data-user=\"" + user.userId() + "\"]')";
      page.waitFor(button, 30);
      page.evaluate(button + ".click()");
      page.waitFor("document.body.dataset.ready === " + JSON.writeValueAsString(user.userId()), 60);

      List<String> historyTitles = texts(page, "#history tbody tr td:nth-child(3)");
      List<String> expected = new ArrayList<>();
      for (String id : user.itemIds()) {
        expected.add(dataset.items().get(id).title());
      }
      assertThat(historyTitles).containsExactlyElementsOf(expected);
      List<String> topIds = texts(page, "#top tbody tr td:nth-child(2)");
      assertThat(topIds).hasSize(10).doesNotContainAnyElementsOf(user.itemIds());
      List<String> scores = texts(page, "#top tbody tr td:nth-child(4)");
      for (int i = 1; i < scores.size(); i++) {
        assertThat(Double.parseDouble(scores.get(i)))
            .isLessThanOrEqualTo(Double.parseDouble(scores.get(i - 1)));
      }

      // Add an item like the user's last one and see where it ranks for them.
      String lastTitle = expected.get(expected.size() - 1);
      page.evaluate(
          "(() => { const f = document.querySelector('#add-form');"
              + " f.elements.id.value = 'new-item-1';"
              + " f.elements.title.value = "
              + JSON.writeValueAsString(lastTitle + " (new)")
              + "; f.requestSubmit(); })()");
      page.waitFor("document.querySelector('#add-result').textContent.includes('new-item-1')", 60);
      String result = page.evaluate("document.querySelector('#add-result').textContent").asText();
      assertThat(result).containsPattern("Added new-item-1: (rank \\d+|below rank \\d+)");
      assertThat(texts(page, "#error")).containsExactly("");

      JsonNode shot =
          page.call(
              "Page.captureScreenshot",
              JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", false));
      Files.createDirectories(screenshot.toAbsolutePath().getParent());
      Files.write(screenshot, Base64.getDecoder().decode(shot.get("data").asText()));
      serve.terminate();
    }
    assertThat(Files.size(screenshot)).isGreaterThan(10_000);
  }

  private static List<String> texts(DevTools page, String selector) throws Exception {
    JsonNode values =
        page.evaluate(
            "Array.from(document.querySelectorAll("
                + JSON.writeValueAsString(selector)
                + ")).map(e => e.textContent)");
    List<String> out = new ArrayList<>();
    values.forEach(v -> out.add(v.asText()));
    return out;
  }
}
