package io.recformer.bench.quality;

import io.recformer.bench.baseline.TrainingSummary;

/**
 * What running one model of the benchmark cost and chose, written to {@code results.json} under
 * {@code models.<key>} so that a grid runner can read it beside the metrics.
 *
 * @param key the {@code --models} key, e.g. {@code sasrec}
 * @param name the model's row label, e.g. {@code SASRec}
 * @param wallSeconds fitting, training and every evaluation pass of this model
 * @param summary early-stopping record of a trained model, null for popularity and text
 * @param validationNdcg10 validation NDCG@10 (original ties, history kept) of the model as tested:
 *     the best epoch's for a trained model
 * @param chosen what validation chose for a model without training (the text baseline's decay),
 *     null otherwise
 */
record ModelRun(
    String key,
    String name,
    double wallSeconds,
    TrainingSummary summary,
    double validationNdcg10,
    String chosen) {}
