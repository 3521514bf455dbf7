package io.recformer.data.importer;

import java.util.HashMap;
import java.util.Map;

/**
 * Decodes HTML character references in Amazon text fields: numeric (<code>&amp;#39;</code>, <code>
 * &amp;#x27;</code>) and the named entities that occur in Amazon metadata. Decodes once, the way
 * Python's {@code html.unescape} does, so <code>&amp;amp;amp;</code> becomes <code>&amp;amp;</code>
 * . Unknown names are kept verbatim rather than guessed.
 */
final class HtmlEntities {

  private static final Map<String, String> NAMED = new HashMap<>();

  static {
    String[] pairs = {
      "amp", "&", "lt", "<", "gt", ">", "quot", "\"", "apos", "'", "nbsp", "\u00a0", "reg",
      "\u00ae", "trade", "\u2122", "copy", "\u00a9", "deg", "\u00b0", "bull", "\u2022", "mdash",
      "\u2014", "ndash", "\u2013", "rsquo", "\u2019", "lsquo", "\u2018", "rdquo", "\u201d", "ldquo",
      "\u201c", "hellip", "\u2026", "times", "\u00d7", "frac12", "\u00bd", "frac14", "\u00bc",
      "frac34", "\u00be", "plusmn", "\u00b1", "micro", "\u00b5", "eacute", "\u00e9", "egrave",
      "\u00e8", "aacute", "\u00e1", "agrave", "\u00e0", "iacute", "\u00ed", "oacute", "\u00f3",
      "uacute", "\u00fa", "ntilde", "\u00f1", "uuml", "\u00fc", "ouml", "\u00f6", "auml", "\u00e4",
      "ccedil", "\u00e7", "szlig", "\u00df", "euro", "\u20ac", "pound", "\u00a3", "cent", "\u00a2",
      "sup2", "\u00b2", "sup3", "\u00b3", "middot", "\u00b7", "laquo", "\u00ab", "raquo", "\u00bb",
      "para", "\u00b6", "sect", "\u00a7", "ordm", "\u00ba", "ordf", "\u00aa", "prime", "\u2032",
      "Prime", "\u2033", "rarr", "\u2192", "larr", "\u2190", "hearts", "\u2665", "ohm", "\u2126",
      "Omega", "\u03a9", "shy", "\u00ad", "iexcl", "\u00a1", "iquest", "\u00bf", "divide", "\u00f7"
    };
    for (int i = 0; i < pairs.length; i += 2) {
      NAMED.put(pairs[i], pairs[i + 1]);
    }
  }

  private HtmlEntities() {}

  static String decode(String text) {
    int amp = text.indexOf('&');
    if (amp < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    out.append(text, 0, amp);
    int i = amp;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c != '&') {
        out.append(c);
        i++;
        continue;
      }
      int semicolon = text.indexOf(';', i + 1);
      if (semicolon < 0 || semicolon - i > 12) {
        out.append(c);
        i++;
        continue;
      }
      String name = text.substring(i + 1, semicolon);
      String replacement = resolve(name);
      if (replacement == null) {
        out.append(c);
        i++;
      } else {
        out.append(replacement);
        i = semicolon + 1;
      }
    }
    return out.toString();
  }

  private static String resolve(String name) {
    if (name.length() >= 2 && name.charAt(0) == '#') {
      try {
        int codePoint =
            name.charAt(1) == 'x' || name.charAt(1) == 'X'
                ? Integer.parseInt(name.substring(2), 16)
                : Integer.parseInt(name.substring(1));
        if (codePoint <= 0
            || codePoint > Character.MAX_CODE_POINT
            || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
          return "\uFFFD";
        }
        return new String(Character.toChars(codePoint));
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return NAMED.get(name);
  }
}
