package io.recformer.data.importer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * HTML entity decoding against Python's {@code html.unescape} (CPython 3.11), the paper's
 * preprocessing: the expected strings below are what it returns for each input.
 */
class HtmlEntitiesTest {

  @Test
  void decodesOnceAndKeepsUnknownNames() {
    assertThat(HtmlEntities.decode("A &amp; B &lt;&gt; &quot;x&quot; &#39;y&#39; &#x41;"))
        .isEqualTo("A & B <> \"x\" 'y' A");
    assertThat(HtmlEntities.decode("&amp;amp;")).isEqualTo("&amp;");
    assertThat(HtmlEntities.decode("&amp;#39;")).isEqualTo("&#39;");
    assertThat(HtmlEntities.decode("AT&T; &unknown; & alone")).isEqualTo("AT&T; &unknown; & alone");
    assertThat(HtmlEntities.decode("no entities")).isEqualTo("no entities");
  }

  @Test
  void namedReferencesOfTheWholeHtml5Table() {
    assertThat(HtmlEntities.decode("Wait&hellip; it&rsquo;s &frac12; off"))
        .isEqualTo("Wait\u2026 it\u2019s \u00bd off");
    // A named reference that stands for two code points.
    assertThat(HtmlEntities.decode("&NotEqualTilde;")).isEqualTo("\u2242\u0338");
    assertThat(HtmlEntities.decode("&AMP; &Aring; &bigstar; &fjlig;"))
        .isEqualTo("& \u00c5 \u2605 fj");
  }

  @Test
  void legacyReferencesWithoutSemicolon() {
    assertThat(HtmlEntities.decode("Tom &amp Jerry")).isEqualTo("Tom & Jerry");
    assertThat(HtmlEntities.decode("caf&eacute, &eacutet&eacute"))
        .isEqualTo("caf\u00e9, \u00e9t\u00e9");
    // The longest legacy name that prefixes the text: &not in &notit;, but &notin; whole.
    assertThat(HtmlEntities.decode("&notit; &notin; &noti")).isEqualTo("\u00acit; \u2209 \u00aci");
    assertThat(HtmlEntities.decode("&frac34test &lt3")).isEqualTo("\u00betest <3");
    // Only legacy names work without the semicolon.
    assertThat(HtmlEntities.decode("&hellip more")).isEqualTo("&hellip more");
  }

  @Test
  void numericReferences() {
    assertThat(HtmlEntities.decode("&#8217;&#x2019;&#X2019;&#39&#x27x"))
        .isEqualTo("\u2019\u2019\u2019''x");
    assertThat(HtmlEntities.decode("&#x1F600;")).isEqualTo("\uD83D\uDE00");
    // Windows-1252 bytes written as references, as browsers and Python read them.
    assertThat(HtmlEntities.decode("&#150;&#128;&#159;&#129;"))
        .isEqualTo("\u2013\u20ac\u0178\u0081");
    // NUL, surrogates and code points past Unicode become U+FFFD; controls and noncharacters go.
    assertThat(HtmlEntities.decode("a&#0;b&#xD800;c&#x110000;d&#99999999999999999999;e"))
        .isEqualTo("a\uFFFDb\uFFFDc\uFFFDd\uFFFDe");
    assertThat(HtmlEntities.decode("a&#1;b&#x7f;c&#xFFFE;d&#x1FFFF;e&#xFDD0;f"))
        .isEqualTo("abcdef");
    assertThat(HtmlEntities.decode("tab&#9;nl&#10;cr&#13;")).isEqualTo("tab\tnl\ncr\r");
    // Not references: kept as they are.
    assertThat(HtmlEntities.decode("&#; &#x; &#xZ; & #39;")).isEqualTo("&#; &#x; &#xZ; & #39;");
  }
}
