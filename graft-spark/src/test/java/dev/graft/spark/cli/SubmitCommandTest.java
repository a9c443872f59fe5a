package dev.graft.spark.cli;

import dev.graft.spark.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code graft spark submit}'s command line (the run itself is tried on the cluster in LocalClusterTest). */
class SubmitCommandTest {
    @Test
    void printsSparkSubmitsCommandWithTheGraftCommandAfterTheJar() throws IOException {
        Path jar = Files.writeString(Files.createTempDirectory(Fixtures.root(), "submit").resolve("app.jar"), "");
        CliRun r = CliRun.of("submit", "--master", "spark://127.0.0.1:7077", "--jar", jar.toString(), "--conf",
                "spark.executor.memory=2g", "--print", "embed", "--model", "runs/m", "--input", "in.txt");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("org.apache.spark.deploy.SparkSubmit --class dev.graft.spark.cli.SparkMain "
                        + "--master spark://127.0.0.1:7077 --deploy-mode client")
                .contains("--conf spark.executor.memory=2g")
                .contains("'spark.executor.extraJavaOptions=--add-modules jdk.incubator.vector")
                .contains(jar.toAbsolutePath() + " embed --model runs/m --input in.txt");
    }

    @Test
    void aMasterAfterTheCommandOrAMissingJarIsAClearError() throws IOException {
        Path jar = Files.writeString(Files.createTempDirectory(Fixtures.root(), "submit").resolve("app.jar"), "");
        CliRun after = CliRun.of("submit", "--master", "spark://127.0.0.1:7077", "--jar", jar.toString(), "--print",
                "check", "--master", "local[2]");
        assertThat(after.exitCode()).isEqualTo(2);
        assertThat(after.err()).contains("give --master before the command");
        CliRun missing = CliRun.of("submit", "--master", "spark://127.0.0.1:7077", "--jar", "no-such.jar", "check");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("no-such.jar: no such application jar");
    }
}
