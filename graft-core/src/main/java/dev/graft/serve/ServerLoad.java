package dev.graft.serve;

import java.util.Locale;

/**
 * What a server's forward passes did, read from its {@code /metrics} text: pieces computed (each a
 * {@code graft_batch_inputs} observation), inputs, and the workers' compute time (the sum of
 * {@code graft_batch_duration_seconds}), over all models. The difference of two readings says how a load
 * run used the workers: inputs per piece, the workers' busy share, worker time per input
 * ({@code graft bench serve}).
 */
public record ServerLoad(long pieces, long inputs, double workerSeconds) {
    /** The totals in a Prometheus text as {@link InferenceServer#metricsText} renders it. */
    public static ServerLoad of(String metricsText) {
        long pieces = 0;
        long inputs = 0;
        double seconds = 0;
        for (String line : metricsText.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String name = line.substring(0, line.indexOf('{') >= 0 ? line.indexOf('{') : space);
            double value = Double.parseDouble(line.substring(space + 1));
            switch (name) {
                case "graft_batch_inputs_count" -> pieces += (long) value;
                case "graft_inputs_total" -> inputs += (long) value;
                case "graft_batch_duration_seconds_sum" -> seconds += value;
                default -> { }
            }
        }
        return new ServerLoad(pieces, inputs, seconds);
    }

    /** What happened between {@code earlier} and this reading. */
    public ServerLoad since(ServerLoad earlier) {
        return new ServerLoad(pieces - earlier.pieces, inputs - earlier.inputs, workerSeconds - earlier.workerSeconds);
    }

    /** One line: inputs per piece, the workers' busy share over {@code seconds} of wall time, worker ms per input. */
    public String line(double seconds, int workers) {
        return String.format(Locale.ROOT, "server: %d inputs in %d pieces (%.1f on average); %d workers busy %.0f%% of "
                + "the run; %.3f ms of worker time per input", inputs, pieces, pieces == 0 ? 0.0 : (double) inputs / pieces,
                workers,
                100 * workerSeconds / Math.max(1e-9, seconds * workers), inputs == 0 ? 0.0 : 1000 * workerSeconds / inputs);
    }
}
