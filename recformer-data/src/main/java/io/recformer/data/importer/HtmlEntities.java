package io.recformer.data.importer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.parser.Parser;

/**
 * Decodes HTML character references in item text the way Python's {@code html.unescape} does (the
 * paper's preprocessing): every named reference of the HTML5 table, including the legacy ones
 * without a semicolon (<code>&amp;amp</code>, <code>&amp;eacute</code>), and numeric references.
 * Decodes once, so <code>&amp;amp;amp;</code> becomes <code>&amp;amp;</code>; unknown names are
 * kept verbatim.
 *
 * <p>Named references come from jsoup, which implements the WHATWG table and its longest-prefix
 * rule. Numeric references are decoded here because jsoup keeps what Python drops: lone surrogates
 * (which would become '?' when written as UTF-8), control characters and noncharacters.
 */
final class HtmlEntities {

  /** A numeric reference as Python's unescape matches it: the semicolon is optional. */
  private static final Pattern NUMERIC = Pattern.compile("&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));?");

  private HtmlEntities() {}

  static String decode(String text) {
    if (text.indexOf('&') < 0) {
      return text;
    }
    Matcher numeric = NUMERIC.matcher(text);
    StringBuilder out = new StringBuilder(text.length());
    int done = 0;
    while (numeric.find()) {
      // Named references never span a numeric one: the text between is decoded on its own.
      out.append(named(text.substring(done, numeric.start())));
      out.append(numeric(numeric.group(), numeric.group(1), numeric.group(2)));
      done = numeric.end();
    }
    return out.append(named(text.substring(done))).toString();
  }

  private static String named(String text) {
    return text.indexOf('&') < 0 ? text : Parser.unescapeEntities(text, false);
  }

  private static String numeric(String reference, String decimal, String hex) {
    String digits = decimal != null ? decimal : hex;
    String significant = digits.replaceFirst("^0+(?=.)", "");
    if (significant.length() > 8) {
      return "\uFFFD"; // beyond any code point
    }
    long codePoint = Long.parseLong(significant, decimal != null ? 10 : 16);
    if (codePoint == 0
        || codePoint > Character.MAX_CODE_POINT
        || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
      return "\uFFFD";
    }
    if (codePoint >= 0x80 && codePoint <= 0x9F) {
      // Windows-1252 bytes written as references (&#150; is an en dash): jsoup maps them as the
      // HTML5 table does, and as Python does.
      return Parser.unescapeEntities(reference, false);
    }
    if (dropped(codePoint)) {
      return "";
    }
    return Character.toString((int) codePoint);
  }

  /** The code points Python's unescape removes: controls other than whitespace, noncharacters. */
  private static boolean dropped(long codePoint) {
    return (codePoint >= 0x01 && codePoint <= 0x08)
        || codePoint == 0x0B
        || (codePoint >= 0x0E && codePoint <= 0x1F)
        || codePoint == 0x7F
        || (codePoint >= 0xFDD0 && codePoint <= 0xFDEF)
        || (codePoint & 0xFFFE) == 0xFFFE;
  }
}
