package dev.graft.serve;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@link ServerLoad} reads the pieces, inputs and worker time of the metrics over all models. */
class ServerLoadTest {
    @Test
    void readsTheForwardPassesOfEveryModelAndTheirDifference() {
        Metrics m = new Metrics();
        m.request("/predict", 200, 1_000_000);
        m.batch("clf", 3, 31, 250_000_000L);
        m.batch("enc", 7, 57, 500_000_000L);
        ServerLoad first = ServerLoad.of(m.render());
        assertThat(first.pieces()).isEqualTo(2);
        assertThat(first.inputs()).isEqualTo(10);
        assertThat(first.workerSeconds()).isCloseTo(0.75, within(1e-9));

        m.batch("clf", 5, 40, 1_250_000_000L);
        ServerLoad run = ServerLoad.of(m.render()).since(first);
        assertThat(run).isEqualTo(new ServerLoad(1, 5, 1.25));
        // 1.25 s of one piece of 5 inputs over 2.5 s of wall time on 2 workers: busy 25%, 250 ms per input
        assertThat(run.line(2.5, 2)).isEqualTo("server: 5 inputs in 1 pieces (5.0 on average); 2 workers busy 25% of "
                + "the run; 250.000 ms of worker time per input");
        assertThat(ServerLoad.of("").line(1, 1)).contains("0 inputs in 0 pieces (0.0 on average)");
    }
}
