/**
 * Dataset filters: minimum interactions per user, iterative k-core, the duplicate policy for
 * repeated (user, item) pairs, chronological order with a deterministic tie-break, and attribute
 * selection. Each returns a new dataset and records itself in the provenance.
 */
package io.recformer.data.filter;
