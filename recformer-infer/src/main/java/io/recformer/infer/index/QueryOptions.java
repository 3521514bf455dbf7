package io.recformer.infer.index;

import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * What a top-K query leaves out and how it runs. Start from {@link #DEFAULTS} and use the {@code
 * with...} methods.
 *
 * <p>Filters are called only for items whose score could enter the top K (not for every row),
 * possibly from several threads at once: they must be thread-safe and free of side effects.
 *
 * @param excludedIds items never returned, e.g. the user's history; ids the index does not hold are
 *     ignored (a history may contain items that were never indexed)
 * @param excludedRows rows never returned; each must be inside the index ({@code 0..size-1})
 * @param rowFilter keeps only rows it accepts; null accepts all
 * @param idFilter keeps only item ids it accepts; null accepts all
 * @param threads threads scanning the items for one call; 0 (the default) lets the index choose
 *     (all available processors for large indexes, one thread for small ones). More threads lower
 *     latency until memory bandwidth is saturated, typically at 2-4 threads per socket.
 * @param executor runs the scan partitions other than the caller's own; null uses a shared pool of
 *     daemon threads owned by the index package
 */
public record QueryOptions(
    Set<String> excludedIds,
    Set<Integer> excludedRows,
    IntPredicate rowFilter,
    Predicate<String> idFilter,
    int threads,
    Executor executor) {

  /** Nothing excluded, no filter, threads chosen by the index, shared pool. */
  public static final QueryOptions DEFAULTS =
      new QueryOptions(Set.of(), Set.of(), null, null, 0, null);

  public QueryOptions {
    excludedIds = copyWithoutNulls(excludedIds, "excludedIds");
    excludedRows = copyWithoutNulls(excludedRows, "excludedRows");
    for (int row : excludedRows) {
      if (row < 0) {
        throw new IllegalArgumentException("excludedRows must be >= 0, found " + row);
      }
    }
    if (threads < 0) {
      throw new IllegalArgumentException(
          "threads must be >= 0 (0 = chosen by the index), was " + threads);
    }
  }

  public QueryOptions withExcludedIds(Collection<String> ids) {
    return new QueryOptions(
        Set.copyOf(nonNull(ids, "ids")), excludedRows, rowFilter, idFilter, threads, executor);
  }

  public QueryOptions withExcludedRows(Collection<Integer> rows) {
    return new QueryOptions(
        excludedIds, Set.copyOf(nonNull(rows, "rows")), rowFilter, idFilter, threads, executor);
  }

  public QueryOptions withExcludedRows(int... rows) {
    Set<Integer> set = new HashSet<>();
    for (int row : rows) {
      set.add(row);
    }
    return withExcludedRows(set);
  }

  public QueryOptions withRowFilter(IntPredicate filter) {
    return new QueryOptions(excludedIds, excludedRows, filter, idFilter, threads, executor);
  }

  public QueryOptions withIdFilter(Predicate<String> filter) {
    return new QueryOptions(excludedIds, excludedRows, rowFilter, filter, threads, executor);
  }

  public QueryOptions withThreads(int count) {
    return new QueryOptions(excludedIds, excludedRows, rowFilter, idFilter, count, executor);
  }

  public QueryOptions withExecutor(Executor pool) {
    return new QueryOptions(excludedIds, excludedRows, rowFilter, idFilter, threads, pool);
  }

  private static <T> Set<T> copyWithoutNulls(Set<T> set, String field) {
    if (set == null) {
      return Set.of();
    }
    for (T value : set) {
      if (value == null) {
        throw new IllegalArgumentException(field + " must not contain null");
      }
    }
    return Set.copyOf(set);
  }

  private static <C extends Collection<?>> C nonNull(C values, String name) {
    Objects.requireNonNull(values, name);
    for (Object value : values) {
      if (value == null) {
        throw new IllegalArgumentException(name + " must not contain null");
      }
    }
    return values;
  }
}
