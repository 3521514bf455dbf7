package io.recformer.cli.config;

import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys one command accepts, in the order they are printed, with their defaults. Keys are
 * usually taken from option records ({@code FineTuneOptions}, {@code PretrainOptions}, {@code
 * RecformerConfig}) so that a file uses the same names as the Java API. Keys that another command
 * accepts may be declared {@linkplain Builder#tolerate tolerated}: a file written for {@code
 * finetune} can then be passed to {@code evaluate}, which ignores what it does not use, while a
 * misspelt key still fails.
 */
public final class ConfigSchema {

  private final String command;
  private final Map<String, ConfigKey> keys;
  private final List<String> order;
  private final Set<String> tolerated;

  private ConfigSchema(String command, Map<String, ConfigKey> keys, Set<String> tolerated) {
    this.command = command;
    this.keys = Map.copyOf(keys);
    this.order = List.copyOf(keys.keySet());
    this.tolerated = Set.copyOf(tolerated);
  }

  public static Builder builder(String command) {
    return new Builder(command);
  }

  /** The command this schema configures, e.g. {@code "finetune"}, for messages. */
  public String command() {
    return command;
  }

  /** Key names in declaration order. */
  public List<String> names() {
    return order;
  }

  /** The key, or null if the schema has none of that name. */
  public ConfigKey key(String name) {
    return keys.get(name);
  }

  /** Whether a key unknown to this schema is accepted and ignored. */
  public boolean tolerates(String name) {
    return tolerated.contains(name);
  }

  /** Builds a schema; later declarations of a key replace earlier ones in place. */
  public static final class Builder {
    private final String command;
    private final Map<String, ConfigKey> keys = new LinkedHashMap<>();
    private final Set<String> tolerated = new LinkedHashSet<>();

    private Builder(String command) {
      this.command = command;
    }

    /** Every component of a record, with its value in {@code defaults} as default. */
    public Builder record(Record defaults, String origin) {
      for (RecordComponent c : defaults.getClass().getRecordComponents()) {
        key(c.getName(), c.getType(), value(c, defaults), origin);
      }
      return this;
    }

    /** The named components of a record, with their values in {@code defaults}. */
    public Builder record(Record defaults, String origin, Collection<String> names) {
      Map<String, RecordComponent> byName = new LinkedHashMap<>();
      for (RecordComponent c : defaults.getClass().getRecordComponents()) {
        byName.put(c.getName(), c);
      }
      for (String name : names) {
        RecordComponent c = byName.get(name);
        if (c == null) {
          throw new IllegalArgumentException(
              defaults.getClass().getSimpleName() + " has no component '" + name + "'");
        }
        key(name, c.getType(), value(c, defaults), origin);
      }
      return this;
    }

    public Builder key(String name, Class<?> type, Object defaultValue, String origin) {
      keys.put(name, new ConfigKey(name, type, defaultValue, origin));
      return this;
    }

    /** Replaces the default of a declared key. */
    public Builder defaultValue(String name, Object value, String origin) {
      ConfigKey k = keys.get(name);
      if (k == null) {
        throw new IllegalArgumentException("no key '" + name + "' declared");
      }
      keys.put(name, new ConfigKey(name, k.type(), value, origin));
      return this;
    }

    /** Keys of other commands that are accepted in files and ignored. */
    public Builder tolerate(Collection<String> names) {
      tolerated.addAll(names);
      return this;
    }

    public ConfigSchema build() {
      Set<String> t = new LinkedHashSet<>(tolerated);
      t.removeAll(keys.keySet());
      return new ConfigSchema(command, keys, t);
    }

    private static Object value(RecordComponent c, Record r) {
      try {
        return c.getAccessor().invoke(r);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + c.getName(), e);
      }
    }
  }
}
