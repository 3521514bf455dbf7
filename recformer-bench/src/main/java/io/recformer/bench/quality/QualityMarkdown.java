package io.recformer.bench.quality;

import java.util.List;
import java.util.Map;

/**
 * The Markdown report of a quality run: the measured tables per protocol, the history-penalty
 * tables, all vs in-set vs cold-start, the published rows apart from ours, and the settings.
 */
final class QualityMarkdown {

  private QualityMarkdown() {}

  static String markdown(String title, List<ResultRow> rows, Map<String, String> settings) {
    StringBuilder md = new StringBuilder("## ").append(title).append("\n\n");
    md.append(
        "Leave-one-out, full ranking over all items, per-user means ± standard error. Metrics"
            + " follow reference section 6 (rank counted as items scoring strictly higher under"
            + " original ties).\n\n");
    for (Protocol p : Protocol.ALL) {
      List<ResultRow> part =
          rows.stream()
              .filter(
                  r ->
                      r.measured()
                          && r.protocol().equals(p.label())
                          && r.slice().equals(Slice.ALL.label()))
              .toList();
      if (!part.isEmpty()) {
        md.append("### Measured: ")
            .append(p.label())
            .append(p.equals(Protocol.PUBLISHED) ? " (the published protocol)" : "")
            .append("\n\n")
            .append(ResultWriter.table(part, false))
            .append('\n');
      }
    }
    for (String label : List.of(Protocol.PENALIZED_LABEL, Protocol.PENALIZED_EXPECTED_LABEL)) {
      List<ResultRow> part =
          rows.stream()
              .filter(
                  r ->
                      r.measured()
                          && r.protocol().equals(label)
                          && r.slice().equals(Slice.ALL.label()))
              .toList();
      if (!part.isEmpty()) {
        md.append("### Measured: ")
            .append(label)
            .append(
                " chosen per model on validation (a scoring rule:"
                    + " each user's own items lowered by p before ranking, p in the note)\n\n")
            .append(ResultWriter.table(part, false))
            .append('\n');
      }
    }
    List<ResultRow> sliced =
        rows.stream()
            .filter(r -> r.measured() && !r.protocol().equals(Protocol.EXPECTED_EXCLUDE.label()))
            .toList();
    if (sliced.stream().anyMatch(r -> !r.slice().equals(Slice.ALL.label()))) {
      md.append("### All vs in-set vs cold-start\n\n")
          .append(
              "In-set: the test target occurs in some training sequence; cold-start: it never does."
                  + " ID-based models (Popularity, SASRec) cannot rank a cold-start item: ")
          .append(
              settings.getOrDefault("ID-based models, unseen items", "").startsWith("floor")
                  ? "they give every item never seen in training the lowest score (negative"
                      + " infinity), tied with the other unseen items and below every seen item."
                      + " Under original ties the target wins those ties, so its rank is the"
                      + " number of seen items ranked (Recall@10 = 0 whenever more than 10 seen"
                      + " items are ranked); under expected ties it is that plus half of the"
                      + " other unseen items. "
                  : "here they keep their own untrained scores for such items (--id-unseen-items"
                      + " learned). ")
          .append(
              "Text-based models score cold-start items like any other. Users per row in the users"
                  + " column.\n\n");
      for (Protocol p : List.of(Protocol.PUBLISHED, Protocol.EXPECTED)) {
        md.append("**")
            .append(p.label())
            .append("**\n\n")
            .append(
                ResultWriter.table(
                    sliced.stream().filter(r -> r.protocol().equals(p.label())).toList(), true))
            .append('\n');
      }
    }
    List<ResultRow> same =
        rows.stream().filter(r -> r.source().equals(PublishedResults.SAME_SPLIT_SOURCE)).toList();
    if (!same.isEmpty()) {
      md.append("### Published on exactly this split\n\nSource: ")
          .append(PublishedResults.SAME_SPLIT_SOURCE)
          .append("; ")
          .append(PublishedResults.PUBLISHED_PROTOCOL)
          .append(".\n\n")
          .append(ResultWriter.table(same, false))
          .append('\n');
    }
    List<ResultRow> other =
        rows.stream()
            .filter(r -> !r.measured() && !r.source().equals(PublishedResults.SAME_SPLIT_SOURCE))
            .toList();
    if (!other.isEmpty()) {
      md.append("### Recformer paper (not comparable: ")
          .append(other.get(0).source())
          .append(")\n\n")
          .append(ResultWriter.table(other, false))
          .append('\n');
    }
    md.append("### Settings\n\n");
    settings.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    return md.toString();
  }
}
