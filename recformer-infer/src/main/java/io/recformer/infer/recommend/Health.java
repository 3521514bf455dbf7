package io.recformer.infer.recommend;

import java.util.Objects;

/**
 * Whether a recommender's files are known to be intact. A service reports it from its health check
 * and takes an {@link Status#UNHEALTHY} instance out of rotation: it still answers, but from
 * damaged data.
 *
 * @param status the state
 * @param detail what was checked, or the error that made the recommender unhealthy (it names the
 *     file, the section and both checksums for a corrupted file)
 */
public record Health(Status status, String detail) {

  /** States of a recommender's data. */
  public enum Status {
    /** Opened without full verification; the background verification is still running. */
    VERIFYING,
    /** Every checksum was verified, or the data never left memory. */
    HEALTHY,
    /** Verification or a read found damaged data; see the detail. */
    UNHEALTHY
  }

  public Health {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(detail, "detail");
  }

  public boolean isUnhealthy() {
    return status == Status.UNHEALTHY;
  }
}
