package dev.graft.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the ordinary package-registry clients ({@code npm}, {@code mvn}, {@code apt-get},
 * {@code dpkg-deb}) to download pinned packages by name: graft never names a registry host itself. A
 * client missing from the search path is an {@link IOException} naming the Debian package to install.
 *
 * <p>Debian: {@code apt-get download} needs the package lists from {@code apt-get update}. When a
 * package or version is not found, graft does not run {@code apt-get update} itself (it changes the
 * system and needs root); the error says to run it.
 */
public final class RegistryClients {
    /** The clients graft can run, with the Debian package that provides each. */
    public enum Client {
        NPM("npm", "npm"),
        MVN("mvn", "maven"),
        APT_GET("apt-get", "apt"),
        DPKG_DEB("dpkg-deb", "dpkg");

        private final String executable;
        private final String debianPackage;

        Client(String executable, String debianPackage) {
            this.executable = executable;
            this.debianPackage = debianPackage;
        }

        public String executable() {
            return executable;
        }

        public String debianPackage() {
            return debianPackage;
        }
    }

    /** Pinned so a fetch does not depend on which plugin version Maven would pick. */
    static final String DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";
    private static final long TIMEOUT_MINUTES = 20;
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(RegistryClients.class.getName());
    /** A long fetch (MiniLM's 83 MB through mvn) says it is still running this often. */
    private static final java.time.Duration HEARTBEAT = java.time.Duration.ofSeconds(15);

    /** How often a download whose bytes can be watched says how far it is. */
    private static final java.time.Duration DOWNLOAD_HEARTBEAT = java.time.Duration.ofSeconds(5);

    private final List<Path> searchPath;
    private final java.time.Duration heartbeat;
    private final java.time.Duration downloadHeartbeat;
    private final Path mavenRepository;

    /** Clients found on {@code searchPath} (directories, searched in order). */
    public RegistryClients(List<Path> searchPath) {
        this(searchPath, HEARTBEAT, DOWNLOAD_HEARTBEAT, MavenLocalRepository.locate());
    }

    /** As above, logging "still running" every {@code heartbeat} while a client runs. */
    RegistryClients(List<Path> searchPath, java.time.Duration heartbeat) {
        this(searchPath, heartbeat, heartbeat, MavenLocalRepository.locate());
    }

    /**
     * As above; a Maven download's progress (bytes landed in {@code mavenRepository}, the local
     * repository mvn downloads into) is logged every {@code downloadHeartbeat}.
     */
    RegistryClients(List<Path> searchPath, java.time.Duration heartbeat, java.time.Duration downloadHeartbeat,
                    Path mavenRepository) {
        this.searchPath = List.copyOf(searchPath);
        this.heartbeat = heartbeat;
        this.downloadHeartbeat = downloadHeartbeat;
        this.mavenRepository = mavenRepository;
    }

    /** Clients found on the {@code PATH} of this process. */
    public static RegistryClients fromEnvironment() {
        String path = System.getenv("PATH");
        List<Path> dirs = new ArrayList<>();
        if (path != null) {
            for (String p : path.split(java.io.File.pathSeparator)) {
                if (!p.isEmpty()) {
                    dirs.add(Path.of(p));
                }
            }
        }
        return new RegistryClients(dirs);
    }

    /** The executable of {@code client}, or an IOException naming the package to install. */
    public Path locate(Client client) throws IOException {
        for (Path dir : searchPath) {
            Path p = dir.resolve(client.executable());
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IOException(client.executable() + " is not installed (not found on PATH): install the Debian package '"
                + client.debianPackage() + "' (apt-get install " + client.debianPackage() + ") and fetch again");
    }

    /** Downloads {@code source} into the empty directory {@code dir} and returns the downloaded file. */
    public Path download(Source source, Path dir) throws IOException {
        Files.createDirectories(dir);
        switch (source.registry()) {
            case NPM -> {
                Path npm = locate(Client.NPM);
                run(List.of(npm.toString(), "pack", source.name() + "@" + source.version(), "--pack-destination",
                        dir.toString()), dir, Map.of("NPM_CONFIG_UPDATE_NOTIFIER", "false", "NPM_CONFIG_FUND", "false",
                        "NPM_CONFIG_AUDIT", "false"), source);
                return single(dir, ".tgz", source);
            }
            case MAVEN -> {
                Path mvn = locate(Client.MVN);
                List<String> cmd = List.of(mvn.toString(), "-B", "-q", "-ntp", DEPENDENCY_PLUGIN + ":copy",
                        "-Dartifact=" + source.name() + ":" + source.version() + ":jar",
                        "-DoutputDirectory=" + dir, "-Dmdep.useBaseVersion=true");
                DownloadWatch watch = mavenRepository == null ? null
                        : DownloadWatch.maven(mavenRepository, source);
                Result r = runAllowingFailure(cmd, dir, Map.of(), watch);
                if (r.exitCode() != 0) {
                    throw failure(cmd, r, source);
                }
                return single(dir, ".jar", source);
            }
            case DEBIAN -> {
                Path apt = locate(Client.APT_GET);
                List<String> cmd = new ArrayList<>(List.of(apt.toString(), "-q"));
                if ("root".equals(System.getProperty("user.name"))) {
                    cmd.addAll(List.of("-o", "APT::Sandbox::User=root")); // downloads into a directory _apt cannot write
                }
                cmd.addAll(List.of("download", source.name() + "=" + source.version()));
                Result r = runAllowingFailure(cmd, dir, Map.of());
                if (r.exitCode() != 0) {
                    String err = r.stderr();
                    if (err.contains("Unable to locate package") || err.contains("was not found")
                            || err.contains("Can't select") || err.contains("has no installation candidate")) {
                        throw new IOException("apt-get cannot find Debian package " + source.name() + "=" + source.version()
                                + ": the package lists are missing or out of date. Run 'apt-get update' (as root) and "
                                + "fetch again. (apt-get said: " + lastLine(err) + ")");
                    }
                    throw failure(cmd, r, source);
                }
                return single(dir, ".deb", source);
            }
            default -> throw new AssertionError(source.registry());
        }
    }

    /** Extracts the files of a Debian package into {@code dir} with {@code dpkg-deb -x}. */
    public void extractDeb(Path deb, Path dir) throws IOException {
        Path dpkg = locate(Client.DPKG_DEB);
        Files.createDirectories(dir);
        run(List.of(dpkg.toString(), "-x", deb.toString(), dir.toString()), dir, Map.of(), null);
    }

    /** Exit code and captured output of a finished process. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs a command in {@code cwd}; a non-zero exit is an IOException with the command's last error lines. */
    public Result run(List<String> command, Path cwd, Map<String, String> environment, Source forSource)
            throws IOException {
        Result r = runAllowingFailure(command, cwd, environment);
        if (r.exitCode() != 0) {
            throw failure(command, r, forSource);
        }
        return r;
    }

    /** Runs a command in {@code cwd} with stdin empty, output captured to files, and a timeout. */
    public Result runAllowingFailure(List<String> command, Path cwd, Map<String, String> environment)
            throws IOException {
        return runAllowingFailure(command, cwd, environment, null);
    }

    /** As above; while it runs, logs how many bytes {@code watch} sees downloaded (when it sees any). */
    Result runAllowingFailure(List<String> command, Path cwd, Map<String, String> environment, DownloadWatch watch)
            throws IOException {
        Path out = Files.createTempFile("graft-cmd", ".out");
        Path err = Files.createTempFile("graft-cmd", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(environment);
            Process p = pb.start();
            boolean finished = false;
            long started = System.nanoTime();
            long deadline = started + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
            try {
                long period = (watch == null ? heartbeat : downloadHeartbeat).toMillis();
                while (!finished && System.nanoTime() < deadline) {
                    finished = p.waitFor(Math.min(period,
                            Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))), TimeUnit.MILLISECONDS);
                    if (!finished) {
                        String progress = watch == null ? null : watch.progress(System.nanoTime());
                        LOG.info(progress != null ? progress : Path.of(command.get(0)).getFileName() + " still running ("
                                + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s of at most "
                                + TIMEOUT_MINUTES + " min; a large download takes a while)");
                    }
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + command.get(0), e);
            }
            if (!finished) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish within " + TIMEOUT_MINUTES + " minutes");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static IOException failure(List<String> command, Result r, Source source) {
        String what = source == null ? String.join(" ", command.subList(0, Math.min(2, command.size())))
                : "fetching " + source.describe();
        String tail = lastLines(r.stderr().isBlank() ? r.stdout() : r.stderr(), 6);
        return new IOException(what + " failed (" + Path.of(command.get(0)).getFileName() + " exited with " + r.exitCode()
                + "): " + tail);
    }

    private static Path single(Path dir, String suffix, Source source) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(suffix))
                    .toList();
            if (found.size() != 1) {
                throw new IOException("fetching " + source.describe() + " left " + found.size() + " " + suffix
                        + " files in " + dir + ", expected one");
            }
            return found.get(0);
        }
    }

    private static String lastLine(String s) {
        return lastLines(s, 1);
    }

    private static String lastLines(String s, int n) {
        String[] lines = s.strip().split("\\R");
        int from = Math.max(0, lines.length - n);
        return String.join(" | ", java.util.Arrays.asList(lines).subList(from, lines.length)).strip();
    }
}
