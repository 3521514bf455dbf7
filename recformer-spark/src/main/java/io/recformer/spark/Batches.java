package io.recformer.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Turns a partition's iterator into one that maps it a batch at a time, so a task holds one batch
 * (not its whole partition) in memory and the encoder sees full batches.
 */
final class Batches<I, O> implements Iterator<O> {

  private final Iterator<I> input;
  private final int size;
  private final Function<List<I>, List<O>> mapping;
  private Iterator<O> current = Collections.emptyIterator();

  private Batches(Iterator<I> input, int size, Function<List<I>, List<O>> mapping) {
    this.input = input;
    this.size = size;
    this.mapping = mapping;
  }

  static <I, O> Iterator<O> map(Iterator<I> input, int size, Function<List<I>, List<O>> mapping) {
    return new Batches<>(input, size, mapping);
  }

  @Override
  public boolean hasNext() {
    while (!current.hasNext() && input.hasNext()) {
      List<I> batch = new ArrayList<>(size);
      while (batch.size() < size && input.hasNext()) {
        batch.add(input.next());
      }
      current = mapping.apply(batch).iterator();
    }
    return current.hasNext();
  }

  @Override
  public O next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return current.next();
  }
}
