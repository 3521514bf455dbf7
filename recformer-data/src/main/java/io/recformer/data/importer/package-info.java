/**
 * Importers from the formats Recformer users arrive with (Amazon Review Data 2018 raw files,
 * RecBole and UniSRec atomic files (general, with or without a train split), the LC-Rec-style JSON
 * form, the original Python Recformer's processed form) into the canonical {@link
 * io.recformer.data.dataset.Dataset}. All share one error policy (strict by default, lenient skips
 * and counts) and progress reporting; {@link io.recformer.data.importer.Datasets} detects the
 * format of a directory.
 */
package io.recformer.data.importer;
