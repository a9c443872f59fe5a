package dev.graft.spark;

import dev.graft.model.ModelOverrides;
import dev.graft.model.Pretrained;
import dev.graft.model.SafeTensors;
import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.spark.pretrain.Diloco;
import dev.graft.spark.pretrain.DilocoSettings;
import dev.graft.spark.pretrain.DilocoTestAccess;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A standalone master and two single-core workers, each its own JVM, on the loopback address: a job's tasks run
 * in two executor JVMs (not the test's), with graft's SIMD kernels; batch inference there gives the single-process
 * embeddings; an executor JVM that dies in the middle of a DiLoCo round is replaced, its task retried, and the
 * run's losses and weights are those of a run without the fault.
 */
class LocalClusterTest {
    private static Path dir;
    private static LocalCluster.Status status;
    private static String jars;

    /** The executors' graft classes: the class folders of the test's class path packed in a jar, and graft-core's jar. */
    private static String graftJars(Path dir, String classPath) throws IOException {
        Path jar = dir.resolve("graft-classes.jar");
        List<String> jars = new ArrayList<>();
        jars.add(jar.toUri().toString());
        Set<String> seen = new HashSet<>();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String entry : classPath.split(File.pathSeparator)) {
                Path p = Path.of(entry);
                if (Files.isDirectory(p)) { // main and test classes: the tasks are lambdas of this test
                    try (Stream<Path> files = Files.walk(p)) {
                        for (Path f : files.filter(Files::isRegularFile).toList()) {
                            String name = p.relativize(f).toString().replace(File.separatorChar, '/');
                            if (seen.add(name)) {
                                out.putNextEntry(new JarEntry(name));
                                Files.copy(f, out);
                                out.closeEntry();
                            }
                        }
                    }
                } else if (p.getFileName().toString().startsWith("graft-core")) {
                    jars.add(p.toUri().toString());
                }
            }
        }
        return String.join(",", jars);
    }

    @BeforeAll
    static void startCluster() throws IOException {
        dir = Files.createTempDirectory(Fixtures.root(), "cluster");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        jars = graftJars(dir, classPath);
        status = LocalCluster.start(dir, port, 2, 1, "1g", classPath);
    }

    @AfterAll
    static void stopCluster() throws IOException {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        List<Long> pids = status.pids();
        assertThat(LocalCluster.stop(dir)).isEqualTo(3);
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %d", pid).isFalse();
        }
        assertThat(LocalCluster.status(dir)).isEmpty();
    }

    /** A session on the cluster (a local one is stopped first: one SparkContext per JVM). */
    private static SparkSession cluster() {
        SparkSession.getActiveSession().foreach(s -> {
            if (Sessions.isLocal(s.sparkContext().master())) {
                s.stop();
            }
            return null;
        });
        return Sessions.start(status.masterUrl(), "graft cluster test", Map.of("spark.jars", jars,
                "spark.executor.memory", "768m"));
    }

    @Test
    void twoWorkerJvmsRunTheJobAndEmbedAsOneProcessDoes() throws IOException {
        Path model = Fixtures.pretrained();
        assertThat(status.pids()).hasSize(3);
        assertThat(LocalCluster.status(dir)).isPresent();
        SparkSession spark = cluster();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        long self = ProcessHandle.current().pid();
        List<Long> executors = sc.parallelize(List.of(1, 2, 3, 4), 4).map(i -> {
            Thread.sleep(500); // long enough that both single-core executors take tasks
            return ProcessHandle.current().pid();
        }).collect();
        assertThat(new HashSet<>(executors)).hasSize(2).doesNotContain(self);

        List<String> texts = Fixtures.sentences(40, 21);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, texts.get(i)));
        }
        Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("id", DataTypes.IntegerType)
                .add("text", DataTypes.StringType)).repartition(2);
        List<Row> result = GraftSpark.embed(df, "text", model).collectAsList();
        Pretrained loaded = Pretrained.loadBackbone(model, Compute.create(1));
        SentenceEmbedder single = new SentenceEmbedder(loaded.backbone(), loaded.requireTokenizer(),
                Pooling.MEAN, false, 32, loaded.config().maxPositions());
        assertThat(result).hasSize(40);
        for (Row r : result) {
            List<Float> v = r.getList(2);
            float[] actual = new float[v.size()];
            for (int i = 0; i < actual.length; i++) {
                actual[i] = v.get(i);
            }
            assertThat(actual).containsExactly(single.embed(List.of(r.getString(1)))[0]);
        }
    }

    @Test
    void anExecutorKilledMidRoundIsReplacedAndTheRunIsUnchanged() throws IOException {
        Path root = Files.createTempDirectory(Fixtures.root(), "cluster-fault");
        Path corpus = Fixtures.corpus("cluster-corpus.txt", 200, 17);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        DilocoSettings settings = DilocoSettings.paper(2, 4);
        SparkSession spark = cluster();
        Path clean = root.resolve("clean");
        Diloco.run(spec(corpus, clean), settings, spark, quiet);

        Path marker = root.resolve("halted");
        Path faulty = root.resolve("faulty");
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // worker 1's executor JVM halts in the middle of round 2 (index 1), once
        sc.setLocalProperty(DilocoTestAccess.HALT_ONCE, marker + " 1 1");
        try {
            Diloco.run(spec(corpus, faulty), settings, spark, quiet);
        } finally {
            sc.setLocalProperty(DilocoTestAccess.HALT_ONCE, null);
        }
        assertThat(marker).exists(); // the fault happened
        assertThat(Files.readString(faulty.resolve("metrics.jsonl")).lines().filter(l -> l.contains("\"train\"")))
                .containsExactlyElementsOf(Files.readString(clean.resolve("metrics.jsonl")).lines()
                        .filter(l -> l.contains("\"train\"")).toList());
        Map<String, SafeTensors.Entry> a = SafeTensors.read(clean.resolve("model.safetensors"));
        Map<String, SafeTensors.Entry> b = SafeTensors.read(faulty.resolve("model.safetensors"));
        for (String name : a.keySet()) {
            assertThat(b.get(name).floats()).as(name).containsExactly(a.get(name).floats());
        }
    }

    /**
     * The spark-submit way: SparkSubmit (all the spark-submit script runs) in its own JVM with Spark's jars only,
     * given graft's classes as the application jar and SparkMain as the main class, runs 'embed' on the cluster
     * (the master comes from SparkSubmit's --master), and writes what 'graft embed' writes.
     */
    @Test
    void sparkSubmitRunsAGraftCommandOnTheCluster() throws Exception {
        // one application at a time holds the two single-core workers: this JVM's cluster session goes first
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        SparkSession.getDefaultSession().foreach(s -> {
            if (!Sessions.isLocal(s.sparkContext().master())) {
                s.stop();
            }
            return null;
        });
        Path model = Fixtures.pretrained();
        Path in = Fixtures.corpus("submit-input.txt", 60, 23);
        Path out = dir.resolve("submit-output.jsonl");
        String[] graft = jars.split(",");
        Path app = Path.of(java.net.URI.create(graft[0]));
        List<String> more = java.util.Arrays.asList(graft).subList(1, graft.length);
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String sparkJars = java.util.Arrays.stream(classPath.split(File.pathSeparator))
                .filter(e -> !Files.isDirectory(Path.of(e)) && !Path.of(e).getFileName().toString()
                .startsWith("graft-"))
                .collect(java.util.stream.Collectors.joining(File.pathSeparator));
        List<String> line = dev.graft.spark.cli.SubmitCommand.command(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), sparkJars, app,
                status.masterUrl(), "client", Map.of("spark.executor.memory", "768m"), more,
                List.of("embed", "--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
                        "--batch-size", "5"));
        assertThat(line).containsSubsequence("org.apache.spark.deploy.SparkSubmit", "--class",
                "dev.graft.spark.cli.SparkMain", "--master", status.masterUrl());
        Path log = dir.resolve("submit.log");
        Process p = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(240, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("spark-submit did not finish in 4 minutes: " + Files.readString(log));
        }
        String printed = Files.readString(log);
        assertThat(p.exitValue()).as(printed).isZero();
        assertThat(printed).contains("embed: 60 lines").contains("on " + status.masterUrl());
        Fixtures.Run single = Fixtures.graft("embed", "--model", model.toString(), "--input", in.toString(),
                "--batch-size", "5");
        assertThat(single.exit()).as(single.err()).isZero();
        assertThat(Files.readString(out)).isEqualTo(single.out()).hasLineCount(60);
    }

    private static PretrainSpec spec(Path corpus, Path out) {
        return PretrainSpec.builder("bert-tiny", List.of(corpus.toString()), out)
                .model(new ModelOverrides(1, 32, 2, 37, null))
                .tokenizer(tok -> tok.withVocabSize(99)).seqLen(24).batchSize(8).run(ro -> ro.withSteps(12))
                .monitoring(mon -> mon.withIntervals(1, 0, mon.checkpointEvery())).run(ro -> ro.withThreads(1)
                .withSeed(9)).optimizer(opt -> opt.withLearningRate(1e-3f)).build();
    }
}
