package io.recformer.infer.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KernelTest {

  private static List<Kernel> kernels() {
    List<Kernel> out = new ArrayList<>();
    out.add(new ScalarKernel());
    Kernel vector = Kernel.vectorOrNull();
    if (vector != null) {
      out.add(vector);
    }
    return out;
  }

  @Test
  void theTestJvmUsesTheVectorKernelWhenTheModuleIsPresent() {
    // The module's surefire configuration adds jdk.incubator.vector, so both kernels are tested.
    assertThat(Kernel.vectorModulePresent()).isTrue();
    assertThat(Kernel.ACTIVE).isInstanceOf(VectorKernel.class);
    assertThat(kernels()).hasSize(2);
  }

  @Test
  void dot4IsBitIdenticalToDotAndBothMatchDoublePrecision() {
    SplittableRandom random = new SplittableRandom(3);
    for (Kernel kernel : kernels()) {
      for (int dim = 1; dim <= 100; dim++) {
        int off = 5;
        float[] a = new float[dim + off + 3];
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) random.nextDouble(-1, 1);
        }
        float[][] q = new float[4][dim];
        for (float[] v : q) {
          for (int i = 0; i < dim; i++) {
            v[i] = (float) random.nextDouble(-1, 1);
          }
        }
        float[] out = new float[4];
        kernel.dot4(q[0], q[1], q[2], q[3], a, off, dim, out);
        for (int j = 0; j < 4; j++) {
          double exact = 0;
          for (int i = 0; i < dim; i++) {
            exact += (double) q[j][i] * a[off + i];
          }
          float single = kernel.dot(q[j], a, off, dim);
          assertThat(Float.floatToRawIntBits(out[j]))
              .as("%s dim %d query %d", kernel.name(), dim, j)
              .isEqualTo(Float.floatToRawIntBits(single));
          assertThat((double) single)
              .as("%s dim %d", kernel.name(), dim)
              .isCloseTo(exact, within(1e-5 * Math.sqrt(dim)));
        }
      }
    }
  }

  @Test
  void bothKernelsRankLikeTheOracleAndBatchEqualsSingle() {
    int n = 1500;
    int dim = 50;
    float[][] items = BruteForce.gaussian(n, dim, 61);
    ExactItemIndex base = ExactItemIndex.build(BruteForce.ids(n, "k"), items, "m");
    float[][] queries = BruteForce.gaussian(11, dim, 62);
    for (Kernel kernel : kernels()) {
      ExactItemIndex index = base.withKernel(kernel);
      for (int threads : new int[] {1, 2}) {
        QueryOptions options = QueryOptions.DEFAULTS.withThreads(threads);
        List<List<ScoredItem>> batched = index.topK(queries, 20, options);
        for (int q = 0; q < queries.length; q++) {
          List<ScoredItem> single =
              index.topK(queries[q], 20, QueryOptions.DEFAULTS.withThreads(1));
          assertThat(batched.get(q))
              .as("%s query %d threads %d", kernel.name(), q, threads)
              .isEqualTo(single);
          List<BruteForce.Scored> ranking = BruteForce.ranking(items, queries[q], row -> true);
          for (int i = 0; i < 20; i++) {
            assertThat((double) single.get(i).score())
                .isCloseTo(ranking.get(i).score(), within(1e-5));
          }
        }
      }
    }
  }
}
