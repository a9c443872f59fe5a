package dev.graft.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ONNX Runtime (CPU execution provider, its native library loaded from the jar) running an ONNX
 * BERT export with inputs {@code input_ids}, {@code attention_mask}, {@code token_type_ids} and
 * output {@code last_hidden_state}: the oracle graft's imported model is checked against, and the
 * reference in the embedding benchmark.
 */
public final class OnnxRuntimeOracle implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;

    /** A session with {@code threads} intra-op threads (and one inter-op thread, sequential execution). */
    public OnnxRuntimeOracle(Path onnxFile, int threads) throws OrtException {
        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(onnxFile.toString(), options);
        }
    }

    /** last_hidden_state (B·T, C) for the batch, row-major. */
    public float[] lastHiddenState(TokenBatch batch) throws OrtException {
        int n = batch.rows();
        long[] shape = {batch.batch(), batch.time()};
        long[] ids = new long[n];
        long[] mask = new long[n];
        long[] types = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = batch.inputIds()[i];
            mask[i] = batch.attentionMask() == null ? 1 : batch.attentionMask()[i];
            types[i] = batch.typeIds() == null ? 0 : batch.typeIds()[i];
        }
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
            inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
            try (OrtSession.Result result = session.run(inputs)) {
                FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
                float[] hidden = new float[out.remaining()];
                out.get(hidden);
                return hidden;
            }
        } finally {
            for (OnnxTensor t : inputs.values()) {
                t.close();
            }
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
