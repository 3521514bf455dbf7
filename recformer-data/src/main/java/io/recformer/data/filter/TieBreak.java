package io.recformer.data.filter;

/** How interactions with equal timestamps are ordered when sorting a history chronologically. */
public enum TieBreak {
  /** Keep their current (file) order: a stable sort. */
  INPUT_ORDER,
  /** Order by item id (ordinal string comparison), independent of the input order. */
  ITEM_ID
}
