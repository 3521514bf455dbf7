/**
 * Configuration of the {@code recformer} commands: a schema of typed keys with defaults (derived
 * from option records such as {@code FineTuneOptions}), layers read from YAML/JSON files and
 * command-line assignments, and the resolved result that remembers where every value came from.
 * Unknown keys and malformed values fail with a message naming the source, the key and the allowed
 * values.
 */
package io.recformer.cli.config;
