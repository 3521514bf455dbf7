/**
 * Versioned artifact formats: the manifests of model bundles ({@link
 * io.recformer.core.format.BundleManifest}) and training checkpoints ({@link
 * io.recformer.core.format.CheckpointManifest}), each with a format version checked on read and a
 * {@link io.recformer.core.format.Provenance} record. The conventions (versioning, atomic UTF-8
 * JSON, strict field checking) are documented in {@code docs/formats.md}.
 */
package io.recformer.core.format;
