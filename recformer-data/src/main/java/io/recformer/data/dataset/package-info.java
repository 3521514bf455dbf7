/**
 * The canonical dataset every importer produces: an item catalog with ordered text attributes and
 * per-user chronological histories, plus its versioned on-disk form (manifest with counts and a
 * content fingerprint, written atomically). See {@code docs/formats.md}, section "Dataset".
 */
package io.recformer.data.dataset;
