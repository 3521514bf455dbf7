/**
 * Importers from the formats Recformer users arrive with (Amazon Review Data 2018 raw files,
 * RecBole and UniSRec atomic files (general, with or without a train split), the LC-Rec-style JSON
 * form, the original Python Recformer's processed form) into the canonical {@link
 * io.recformer.data.dataset.Dataset}. All share one error policy (strict by default, lenient skips
 * and counts) and progress reporting; {@link io.recformer.data.importer.Datasets} detects the
 * format of a directory. Each importer keeps only what is specific to its format: finding the files
 * ({@code SourceDirectory}), reading lines under the policy ({@code ImportRun}), counting dropped
 * items and users ({@code Histories}) and the {@code import.*} provenance entries ({@code
 * ProvenanceBuilder}) are shared.
 */
package io.recformer.data.importer;
