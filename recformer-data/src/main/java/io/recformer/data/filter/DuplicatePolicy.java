package io.recformer.data.filter;

/** What to do when a user interacted with the same item more than once. */
public enum DuplicatePolicy {
  /** Keep every interaction (the original Recformer preprocessing does). */
  KEEP_ALL,
  /** Keep the first (earliest) occurrence of each item in a user's history. */
  KEEP_FIRST,
  /** Keep the last (latest) occurrence of each item in a user's history. */
  KEEP_LAST,
  /** Drop only immediate repeats (the same item twice in a row), keeping the first of each run. */
  COLLAPSE_CONSECUTIVE
}
