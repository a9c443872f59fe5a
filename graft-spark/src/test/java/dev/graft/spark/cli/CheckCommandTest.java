package dev.graft.spark.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

class CheckCommandTest {
    @Test
    void runsAJobOnALocalMaster() {
        CliRun r = CliRun.of("check", "--master", "local[2]", "--tasks", "3");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("spark 4.2.0 on local[2]").contains("ok: 3 tasks ran").contains("kernels");
    }

    @Test
    void anUnreachableMasterIsAClearErrorAtOnce() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) { // a free port: nothing listens on it once closed
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        CliRun r = CliRun.of("check", "--master", "spark://127.0.0.1:" + port);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("cannot reach the Spark cluster at spark://127.0.0.1:" + port)
                .contains("graft spark cluster start", "or check --master and that the cluster runs");
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(30);
    }

    @Test
    void malformedMastersAreClearErrors() {
        CliRun r = CliRun.of("check", "--master", "local[0]");
        assertThat(r.exitCode()).isEqualTo(2);
        // Sessions names the field, master; the command line prints its flag
        assertThat(r.err()).contains("graft spark: --master local[0]: a local one is local, local[K] or local[*]");
        r = CliRun.of("check", "--master", "spark://127.0.0.1");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--master spark://127.0.0.1: spark://127.0.0.1 has no port");
        r = CliRun.of("check", "--master", "mesos://x:5050");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("give local[K]");
    }
}
